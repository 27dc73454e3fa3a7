package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/queue"
)

// admit holds back a PipelineRun that has not started and is over a
// concurrency limit (D23): it waits as PipelineRunPending with its place
// in the queue, is cancelled at once (cancel-newest), or cancels older
// runs and waits for them (cancel-oldest). held: it must not start in
// this pass, and pr.Status says why.
func (r *Reconciler) admit(ctx context.Context, pr *v1.PipelineRun) (held bool, err error) {
	if r.queue == nil || pr.Status.StartTime != nil || pr.IsCancelled() || pr.IsGracefullyCancelled() || pr.IsGracefullyStopped() ||
		isChild(pr) {
		return false, nil
	}
	cfg, err := cluster.Load(ctx, r.client, r.namespace)
	if err != nil {
		return true, err
	}
	run, err := queue.FromPipelineRun(pr)
	if err != nil {
		r.fail(pr, state.ReasonValidationFailed, fmt.Sprintf("PipelineRun %s/%s: %v", pr.Namespace, pr.Name, err))
		return true, nil
	}
	v, err := r.queue.Admit(run, cfg.ConcurrencyLimits, r.lister(ctx))
	switch {
	case err != nil:
		return true, err
	case v.Start:
		return false, nil
	case v.Reject:
		r.fail(pr, v1.PipelineRunReasonCancelled.String(), fmt.Sprintf("PipelineRun %q was %s", pr.Name, v.Message))
		return true, nil
	}
	for _, c := range v.Cancel {
		if err := r.cancelForLimit(ctx, c, pr, v.Limit); err != nil {
			return true, err
		}
	}
	pr.Status.MarkRunning(v1.PipelineRunReasonPending.String(), "PipelineRun %q is %s", pr.Name, v.Message)
	return true, nil
}

// cancelForLimit cancels a running PipelineRun to make room for pr.
func (r *Reconciler) cancelForLimit(ctx context.Context, c *queue.Run, pr *v1.PipelineRun, limit string) error {
	old := &v1.PipelineRun{}
	if err := r.client.Get(ctx, types.NamespacedName{Namespace: c.Namespace, Name: c.Name}, old); err != nil {
		return client.IgnoreNotFound(err)
	}
	if old.IsDone() || old.IsCancelled() {
		return nil
	}
	patch := client.MergeFrom(old.DeepCopy())
	old.Spec.Status = v1.PipelineRunSpecStatusCancelled
	if err := r.client.Patch(ctx, old, patch); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.recorder.Eventf(old, pr, corev1.EventTypeNormal, "CancelledByLimit", "Cancel",
		"cancelled to make room for PipelineRun %s under concurrency limit %q (strategy cancel-oldest)", pr.Name, limit)
	return nil
}

// released tells the queue that a PipelineRun ended or is gone (pr nil),
// so that the runs waiting behind it look again.
func (r *Reconciler) released(ctx context.Context, key types.NamespacedName, pr *v1.PipelineRun) error {
	if r.queue == nil || !r.queue.Tracks(queue.KindPipelineRun, key) {
		return nil
	}
	cfg, err := cluster.Load(ctx, r.client, r.namespace)
	if err != nil {
		return err
	}
	var run *queue.Run
	if pr != nil {
		run, _ = queue.FromPipelineRun(pr)
	}
	return r.queue.Done(queue.KindPipelineRun, key, run, cfg.ConcurrencyLimits, r.lister(ctx))
}

// isChild reports whether pr is a child PipelineRun (a pipeline in a
// pipeline): it is part of its parent's run, which the limits counted.
func isChild(pr *v1.PipelineRun) bool {
	c := metav1.GetControllerOf(pr)
	return c != nil && c.Kind == "PipelineRun"
}

// lister lists the PipelineRuns that limits count, from the cache and
// without copies (read only).
func (r *Reconciler) lister(ctx context.Context) queue.Lister {
	return func() ([]*queue.Run, error) {
		var list v1.PipelineRunList
		if err := r.client.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing PipelineRuns: %w", err)
		}
		out := make([]*queue.Run, 0, len(list.Items))
		for i := range list.Items {
			if list.Items[i].IsDone() || isChild(&list.Items[i]) {
				continue
			}
			run, _ := queue.FromPipelineRun(&list.Items[i])
			out = append(out, run)
		}
		return out, nil
	}
}
