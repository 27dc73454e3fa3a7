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

// createTaskRuns creates the planned TaskRuns concurrently. AlreadyExists
// is fine when this PipelineRun owns the TaskRun (a previous reconcile made
// it); it is an error otherwise.
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
		key := pr.Namespace + "/" + l.Name
		if r.recentlyCreated(key) {
			return nil // the cache has not caught up with our own create yet
		}
		err = r.client.Create(ctx, child)
		if err == nil {
			r.created.Store(key, time.Now())
		}
		if apierrors.IsAlreadyExists(err) {
			return r.checkOwned(ctx, pr, child)
		}
		if err != nil {
			return fmt.Errorf("creating %s %s: %w", child.GetObjectKind().GroupVersionKind().Kind, l.Name, err)
		}
		return nil
	})
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
		return fmt.Errorf("%s %s/%s already exists and is not controlled by this PipelineRun", kind, pr.Namespace, name)
	}
	return nil
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
// and RunCancelled on those that are CustomRuns (custom).
func (r *Reconciler) cancelTaskRuns(ctx context.Context, pr *v1.PipelineRun, cancels []state.Cancel, custom map[string]bool) error {
	return r.forEach(len(cancels), func(i int) error {
		c := cancels[i]
		var obj client.Object = &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: c.Name}}
		status := string(v1.TaskRunSpecStatusCancelled)
		if custom[c.Name] {
			obj = &v1beta1.CustomRun{ObjectMeta: metav1.ObjectMeta{Namespace: pr.Namespace, Name: c.Name}}
			status = string(v1beta1.CustomRunSpecStatusCancelled)
		}
		patch := fmt.Sprintf(`{"spec":{"status":%q,"statusMessage":%q}}`, status, c.Message)
		err := r.client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch)))
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("cancelling TaskRun %s: %w", c.Name, err)
		}
		return nil
	})
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
