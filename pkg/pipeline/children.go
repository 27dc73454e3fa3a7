package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// forEach runs f for i in [0, n) with at most r.parallelism at once and
// joins the errors.
func (r *Reconciler) forEach(n int, f func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, r.parallelism)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// createPVCs makes one PVC per volumeClaimTemplate workspace binding (only
// when TaskRuns are about to be created) and returns their names.
func (r *Reconciler) createPVCs(ctx context.Context, pr *v1.PipelineRun, needed bool) (map[string]string, error) {
	claims := map[string]string{}
	for _, b := range pr.Spec.Workspaces {
		if b.VolumeClaimTemplate == nil {
			continue
		}
		pvc := resources.MakePVC(pr, b)
		claims[b.Name] = pvc.Name
		if !needed {
			continue
		}
		if err := r.client.Create(ctx, pvc); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating PVC %s for workspace %q: %w", pvc.Name, b.Name, err)
		}
	}
	return claims, nil
}

// createTaskRuns creates the planned children concurrently. AlreadyExists
// is fine when this PipelineRun owns the child (a previous reconcile made
// it); it is an error otherwise. A child the API server refuses as invalid
// fails the run (CreateRunFailed), as in Tekton: no retry would change it.
func (r *Reconciler) createTaskRuns(ctx context.Context, pr *v1.PipelineRun, pipelineName string, claims map[string]string, launches []state.Launch) error {
	return r.forEach(len(launches), func(i int) error {
		l := launches[i]
		child, err := makeChild(pr, l.Task, resources.TaskRunOptions{
			Name: l.Name, PipelineName: pipelineName, Finally: l.Finally, Timeout: l.Timeout, ClaimNames: claims,
			HeldFor: l.HeldFor,
		})
		if err != nil {
			return fmt.Errorf("making the child %s: %w", l.Name, err)
		}
		key := createdKey(child.GetObjectKind().GroupVersionKind().Kind, pr.Namespace, l.Name)
		if r.recentlyCreated(key) {
			return nil // the cache has not caught up with our own create yet
		}
		if resources.IsChildPipeline(&l.Task) {
			if err := r.checkCycle(ctx, pr, l.Task.PipelineRef); err != nil {
				return err
			}
		}
		return r.create(ctx, pr, key, child)
	})
}

// create creates one child (see createTaskRuns).
func (r *Reconciler) create(ctx context.Context, pr *v1.PipelineRun, key string, child client.Object) error {
	kind := child.GetObjectKind().GroupVersionKind().Kind
	err := r.client.Create(ctx, child)
	switch {
	case err == nil:
		r.created.Store(key, time.Now())
		return nil
	case apierrors.IsAlreadyExists(err):
		return r.checkOwned(ctx, pr, child)
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return failure.Userf(v1.PipelineRunReasonCreateRunFailed.String(), "creating %s %s: %v", kind, child.GetName(), err)
	}
	return fmt.Errorf("creating %s %s: %w", kind, child.GetName(), err)
}

// maxNesting bounds how deep pipelines may run inside pipelines.
const maxNesting = 32

// checkCycle refuses a child PipelineRun of pr when the Pipeline that ref
// names (nil for an embedded spec) already runs in pr or a PipelineRun
// above it (Tekton's check, on the tekton.dev/pipeline labels up the chain
// of controlling PipelineRuns), and when pr is already maxNesting deep,
// which a Pipeline that reaches itself through a resolver would otherwise
// grow without end.
func (r *Reconciler) checkCycle(ctx context.Context, pr *v1.PipelineRun, ref *v1.PipelineRef) error {
	name := ""
	if ref != nil && ref.Resolver == "" {
		name = ref.Name
	}
	var chain []string
	cur := pr
	for range maxNesting {
		p := cur.Labels[resources.LabelPipeline]
		if name != "" && p == name {
			return failure.Userf(v1.PipelineRunReasonCreateRunFailed.String(),
				"detected cycle in pipeline-in-pipeline: pipeline %q is already running in ancestor chain %v", name, chain)
		}
		if p != "" {
			chain = append(chain, p)
		}
		owner := metav1.GetControllerOf(cur)
		if owner == nil || owner.Kind != "PipelineRun" {
			return nil
		}
		parent := &v1.PipelineRun{}
		err := r.client.Get(ctx, types.NamespacedName{Namespace: pr.Namespace, Name: owner.Name}, parent)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading PipelineRun %s above %s: %w", owner.Name, pr.Name, err)
		}
		cur = parent
	}
	return failure.Userf(v1.PipelineRunReasonCreateRunFailed.String(),
		"pipelines in pipelines nest more than %d deep: %v", maxNesting, chain)
}

// checkOwned reads back a child that already exists (obj is of its kind)
// and fails unless pr controls it.
func (r *Reconciler) checkOwned(ctx context.Context, pr *v1.PipelineRun, obj client.Object) error {
	kind, name := obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName()
	err := r.client.Get(ctx, types.NamespacedName{Namespace: pr.Namespace, Name: name}, obj)
	if apierrors.IsNotFound(err) {
		return nil // created a moment ago, not in the cache yet
	}
	if err != nil {
		return fmt.Errorf("reading back %s %s: %w", kind, name, err)
	}
	if c := metav1.GetControllerOf(obj); c == nil || c.UID != pr.UID {
		// Two pipeline tasks whose children have the same name, or a run of
		// someone else's: no retry changes that.
		return failure.Userf(v1.PipelineRunReasonCreateRunFailed.String(),
			"%s %s/%s already exists and is not controlled by this PipelineRun", kind, pr.Namespace, name)
	}
	return nil
}

// createdKey names a child this process created, in r.created.
func createdKey(kind, namespace, name string) string {
	return kind + "/" + namespace + "/" + name
}

// createdTTL bounds how long a create is trusted while the cache lags.
const createdTTL = time.Minute

// recentlyCreated reports whether this process created key within createdTTL.
func (r *Reconciler) recentlyCreated(key string) bool {
	v, ok := r.created.Load(key)
	if !ok {
		return false
	}
	if time.Since(v.(time.Time)) > createdTTL {
		r.created.Delete(key)
		return false
	}
	return true
}

// cancelTaskRuns sets spec.status TaskRunCancelled on the given TaskRuns,
// RunCancelled on CustomRuns and Cancelled on child PipelineRuns (kinds).
func (r *Reconciler) cancelTaskRuns(ctx context.Context, pr *v1.PipelineRun, cancels []state.Cancel, kinds map[string]string) error {
	return r.forEach(len(cancels), func(i int) error {
		c := cancels[i]
		meta := metav1.ObjectMeta{Namespace: pr.Namespace, Name: c.Name}
		var obj client.Object = &v1.TaskRun{ObjectMeta: meta}
		spec := map[string]any{"status": v1.TaskRunSpecStatusCancelled, "statusMessage": c.Message}
		switch kinds[c.Name] {
		case kindCustomRun:
			obj = &v1beta1.CustomRun{ObjectMeta: meta}
			spec["status"] = v1beta1.CustomRunSpecStatusCancelled
		case kindPipelineRun:
			obj = &v1.PipelineRun{ObjectMeta: meta}
			spec = map[string]any{"status": v1.PipelineRunSpecStatusCancelled}
		}
		patch, err := json.Marshal(map[string]any{"spec": spec})
		if err != nil {
			return err
		}
		err = r.client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("cancelling %s %s: %w", kindOf(kinds, c.Name), c.Name, err)
		}
		return nil
	})
}

// kindOf is the kind of the child named name.
func kindOf(kinds map[string]string, name string) string {
	if k := kinds[name]; k != "" {
		return k
	}
	return "TaskRun"
}

// releaseTaskRuns releases held TaskRuns (D25): one patch gives them the
// param values they waited for and removes the held mark; the TaskRun
// controller then hands the values to the waiting pod.
func (r *Reconciler) releaseTaskRuns(ctx context.Context, pr *v1.PipelineRun, releases []state.Release) error {
	return r.forEach(len(releases), func(i int) error {
		rel := releases[i]
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{resources.AnnotationHeld: nil}},
			"spec":     map[string]any{"params": rel.Params},
		})
		if err != nil {
			return err
		}
		tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: rel.Name}}
		if err := r.client.Patch(ctx, tr, client.RawPatch(types.MergePatchType, patch)); err != nil {
			return fmt.Errorf("releasing TaskRun %s: %w", rel.Name, err)
		}
		return nil
	})
}

// discardTaskRuns deletes held TaskRuns whose tasks will not run; their
// pods, still waiting, go with them. Only the TaskRun as it was seen is
// deleted: one released since (a stale cache) fails the precondition and
// is left to the next pass, which cancels it if it must stop.
func (r *Reconciler) discardTaskRuns(ctx context.Context, trs []*v1.TaskRun) error {
	return r.forEach(len(trs), func(i int) error {
		tr := trs[i]
		pre := metav1.Preconditions{UID: &tr.UID, ResourceVersion: &tr.ResourceVersion}
		err := r.client.Delete(ctx, tr.DeepCopy(), client.Preconditions(pre), client.PropagationPolicy(metav1.DeletePropagationBackground))
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("discarding held TaskRun %s: %w", tr.Name, err)
		}
		return nil
	})
}
