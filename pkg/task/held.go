package task

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// reconcileHeld prepares a held TaskRun (eager scheduling, D25): its pod
// is created now, its steps waiting for the release, when they can fill
// in the held params themselves; otherwise the pod is made at the
// release. A held TaskRun has not started (no start time, its timeout not
// running) and nothing fails it: what would fail it, fails it once it is
// released and runs as any other.
func (r *Reconciler) reconcileHeld(ctx context.Context, rn *run) error {
	tr := rn.tr
	pod, err := r.heldPod(ctx, rn)
	var ue *failure.UserError
	if err != nil && !errors.As(err, &ue) && !errors.Is(err, resources.ErrNotEager) {
		if _, pending := failure.AsPending(err); !pending {
			return err
		}
	}
	msg := fmt.Sprintf("Waiting for pipeline tasks %s to finish", tr.Annotations[resources.AnnotationHeld])
	if pod != nil {
		tr.Status.PodName = pod.Name
		msg += fmt.Sprintf(": pod %s started ahead, its steps wait for the results", pod.Name)
	} else {
		msg += ": the pod is made then"
		ctrl.LoggerFrom(ctx).V(1).Info("held TaskRun gets its pod at the release", "why", fmt.Sprint(err))
	}
	tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
		Reason: v1.TaskRunReasonPending.String(), Message: msg})
	return nil
}

// heldPod returns the held TaskRun's pod, creating it if it has none.
func (r *Reconciler) heldPod(ctx context.Context, rn *run) (*corev1.Pod, error) {
	if err := r.resolve(ctx, rn); err != nil {
		return nil, err
	}
	cached, err := r.cachedPod(ctx, rn.tr)
	if err != nil || cached != nil {
		if cached != nil && cached.DeletionTimestamp != nil {
			return nil, nil
		}
		return cached, err
	}
	if err := validate(ctx, rn); err != nil {
		return nil, err
	}
	return r.getOrCreatePod(ctx, rn)
}

// releasePod hands a released TaskRun's values to the pod made while it
// was held. Values the pod's annotations cannot carry, or that are not
// strings, get a pod built from them instead: the waiting one is deleted
// at once (nothing of the TaskRun ran in it yet) and a new one is made.
func (r *Reconciler) releasePod(ctx context.Context, rn *run, pod *corev1.Pod) (*corev1.Pod, error) {
	out, fits, err := resources.Released(rn.tr, pod, rn.cfg, r.clock.Now())
	if err != nil {
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), fmt.Errorf("releasing pod %s: %w", pod.Name, err))
	}
	if fits {
		if err := r.client.Patch(ctx, out, client.MergeFrom(pod)); err != nil {
			return nil, fmt.Errorf("releasing pod %s: %w", pod.Name, err)
		}
		return out, nil
	}
	pre := metav1.Preconditions{UID: &pod.UID}
	err = r.client.Delete(ctx, pod.DeepCopy(), client.GracePeriodSeconds(0), client.Preconditions(pre))
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return nil, fmt.Errorf("replacing held pod %s: %w", pod.Name, err)
	}
	ctrl.LoggerFrom(ctx).Info("held pod replaced: its values do not fit a release", "pod", pod.Name)
	rn.cached, rn.tr.Status.PodName = nil, ""
	if err := validate(ctx, rn); err != nil {
		return nil, failure.User(v1.TaskRunReasonFailedValidation.String(), err)
	}
	fresh, err := r.livePod(ctx, client.ObjectKeyFromObject(pod))
	switch {
	case err != nil:
		return nil, err
	case fresh != nil && (fresh.DeletionTimestamp != nil || resources.NeedsRelease(fresh)):
		return nil, nil // still going (a finalizer): its deletion brings the TaskRun back
	case fresh != nil:
		return fresh, nil // replaced by an earlier pass
	}
	return r.getOrCreatePod(ctx, rn)
}

// livePod reads key from the API server: a pod that is not the one just
// deleted, or nil.
func (r *Reconciler) livePod(ctx context.Context, key types.NamespacedName) (*corev1.Pod, error) {
	pod := &corev1.Pod{}
	return podOrNil(pod, r.apiReader.Get(ctx, key, pod), key.Name)
}
