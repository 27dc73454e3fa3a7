package task

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// admit holds back a TaskRun that has not started and is over a TaskRun
// concurrency limit (D23), as the PipelineRun reconciler does: it waits
// as TaskRunPending with its place in the queue, is cancelled at once
// (cancel-newest), or cancels older runs and waits (cancel-oldest).
func (r *Reconciler) admit(ctx context.Context, rn *run) (held bool, err error) {
	tr := rn.tr
	if r.queue == nil || tr.Status.StartTime != nil || tr.IsCancelled() {
		return false, nil
	}
	run, err := queue.FromTaskRun(tr)
	if err != nil {
		r.fail(tr, v1.TaskRunReasonFailedValidation.String(), fmt.Sprintf("TaskRun %s/%s: %v", tr.Namespace, tr.Name, err))
		return true, nil
	}
	v, err := r.queue.Admit(run, rn.cfg.ConcurrencyLimits, r.lister(ctx))
	switch {
	case err != nil:
		return true, err
	case v.Start:
		return false, nil
	case v.Reject:
		r.fail(tr, v1.TaskRunReasonCancelled.String(), fmt.Sprintf("TaskRun %q was %s", tr.Name, v.Message))
		return true, nil
	}
	for _, c := range v.Cancel {
		if err := r.cancelForLimit(ctx, c, tr, v.Limit); err != nil {
			return true, err
		}
	}
	c := ongoing(v1.TaskRunReasonPending.String(), fmt.Sprintf("TaskRun %q is %s", tr.Name, v.Message))
	tr.Status.SetCondition(&c)
	return true, nil
}

// cancelForLimit cancels a running TaskRun to make room for tr.
func (r *Reconciler) cancelForLimit(ctx context.Context, c *queue.Run, tr *v1.TaskRun, limit string) error {
	old := &v1.TaskRun{}
	if err := r.client.Get(ctx, types.NamespacedName{Namespace: c.Namespace, Name: c.Name}, old); err != nil {
		return client.IgnoreNotFound(err)
	}
	if old.IsDone() || old.IsCancelled() {
		return nil
	}
	patch := client.MergeFrom(old.DeepCopy())
	old.Spec.Status = v1.TaskRunSpecStatusCancelled
	old.Spec.StatusMessage = v1.TaskRunSpecStatusMessage(fmt.Sprintf("cancelled to make room for TaskRun %s under concurrency limit %q", tr.Name, limit))
	if err := r.client.Patch(ctx, old, patch); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.recorder.Eventf(old, tr, corev1.EventTypeNormal, "CancelledByLimit", "Cancel", "%s", old.Spec.StatusMessage)
	return nil
}

// released tells the queue that a TaskRun ended or is gone (tr nil).
func (r *Reconciler) released(ctx context.Context, key types.NamespacedName, tr *v1.TaskRun) error {
	if r.queue == nil || !r.queue.Tracks(queue.KindTaskRun, key) {
		return nil
	}
	cfg, err := cluster.Load(ctx, r.client, r.namespace)
	if err != nil {
		return err
	}
	var run *queue.Run
	if tr != nil {
		run, _ = queue.FromTaskRun(tr)
	}
	return r.queue.Done(queue.KindTaskRun, key, run, cfg.ConcurrencyLimits, r.lister(ctx))
}

// lister lists the TaskRuns that limits count, from the cache and without
// copies (read only).
func (r *Reconciler) lister(ctx context.Context) queue.Lister {
	return func() ([]*queue.Run, error) {
		var list v1.TaskRunList
		if err := r.client.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("listing TaskRuns: %w", err)
		}
		out := make([]*queue.Run, 0, len(list.Items))
		for i := range list.Items {
			if !list.Items[i].IsDone() {
				run, _ := queue.FromTaskRun(&list.Items[i])
				// Held for its upstream (D25): not waiting for a slot yet.
				run.Held = run.Held || resources.IsHeld(&list.Items[i])
				out = append(out, run)
			}
		}
		return out, nil
	}
}
