package task

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/defaults"
	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/resolution"
)

func (r *Reconciler) owner(tr *v1.TaskRun) resolution.Owner {
	return resolution.Owner{Kind: "TaskRun", NamespacedName: client.ObjectKeyFromObject(tr)}
}

// remoteTask resolves a taskRef with a resolver.
func (r *Reconciler) remoteTask(ctx context.Context, rn *run) error {
	ref := rn.tr.Spec.TaskRef
	if r.remote == nil {
		return failure.Userf(v1.TaskRunReasonFailedResolution.String(), "remote resolution is not enabled in this controller")
	}
	t, wait, err := r.remote.Task(ctx, r.owner(rn.tr), rn.tr.Namespace, ref.ResolverRef, rn.cfg.ResolutionTimeout())
	switch {
	case wait:
		return &failure.Pending{Reason: v1.TaskRunReasonResolvingTaskRef,
			Message: fmt.Sprintf("resolving taskRef with resolver %q", ref.Resolver)}
	case err != nil:
		return failure.User(v1.TaskRunReasonFailedResolution.String(), err)
	}
	rn.spec, rn.refSource = t.Spec, t.RefSource
	return nil
}

// remoteStepAction resolves a step's ref with a resolver.
func (r *Reconciler) remoteStepAction(ctx context.Context, rn *run, step string, ref *v1.Ref) (*v1beta1.StepActionSpec, error) {
	if r.remote == nil {
		return nil, failure.Userf(v1.TaskRunReasonFailedResolution.String(), "step %q: remote resolution is not enabled in this controller", step)
	}
	sa, wait, err := r.remote.StepAction(ctx, r.owner(rn.tr), rn.tr.Namespace, ref.ResolverRef, rn.cfg.ResolutionTimeout())
	switch {
	case wait:
		return nil, &failure.Pending{Reason: v1.TaskRunReasonResolvingStepActionRef,
			Message: fmt.Sprintf("step %q: resolving the StepAction ref with resolver %q", step, ref.Resolver)}
	case err != nil:
		return nil, failure.User(v1.TaskRunReasonFailedResolution.String(), fmt.Errorf("step %q: %w", step, err))
	}
	return sa, nil
}

// waitForResolution is a pass that found a remote ref still resolving:
// the TaskRun says so, unless it was cancelled or timed out meanwhile.
// The requeue is the fallback should no notification come.
func (r *Reconciler) waitForResolution(ctx context.Context, rn *run, err error) (ctrl.Result, bool, error) {
	p, ok := failure.AsPending(err)
	if !ok {
		return ctrl.Result{}, false, nil
	}
	d := rn.tr.DeepCopy()
	defaults.Apply(rn.cfg.Tekton(ctx), rn.cfg, d)
	rn.defaulted = d
	if stopped, err := r.stopIfCancelledOrTimedOut(ctx, rn); stopped || err != nil {
		return ctrl.Result{}, true, err
	}
	rn.tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
		Reason: p.Reason, Message: p.Message})
	return ctrl.Result{RequeueAfter: rn.cfg.ResolutionTimeout()}, true, nil
}
