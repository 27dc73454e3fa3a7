package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
)

func owner(pr *v1.PipelineRun) resolution.Owner {
	return resolution.Owner{Kind: "PipelineRun", NamespacedName: client.ObjectKeyFromObject(pr)}
}

// remotePipeline resolves a pipelineRef with a resolver and records its
// provenance.
func (r *Reconciler) remotePipeline(ctx context.Context, pr *v1.PipelineRun, cfg *config.Config) (string, *v1.PipelineSpec, error) {
	ref := pr.Spec.PipelineRef
	if r.remote == nil {
		return "", nil, failure.Userf(v1.PipelineRunReasonCouldntGetPipeline.String(), "remote resolution is not enabled in this controller")
	}
	p, wait, err := r.remote.Pipeline(ctx, owner(pr), pr.Namespace, ref.ResolverRef, cfg.ResolutionTimeout())
	switch {
	case wait:
		return "", nil, &failure.Pending{Reason: v1.PipelineRunReasonResolvingPipelineRef.String(),
			Message: fmt.Sprintf("resolving pipelineRef with resolver %q", ref.Resolver)}
	case err != nil:
		return "", nil, failure.Userf(v1.PipelineRunReasonCouldntGetPipeline.String(),
			"Error retrieving pipeline for pipelinerun %s/%s: %v", pr.Namespace, pr.Name, err)
	}
	if p.RefSource != nil {
		pr.Status.Provenance = &v1.Provenance{RefSource: p.RefSource}
	}
	return p.Name, p.Spec, nil
}

// inlineRemoteTasks resolves every pipeline task whose taskRef names a
// resolver, all at once in the background, and puts the resolved Tasks in
// place of the refs (resources.InlineResolvedTask). Resolver params may use
// the pipeline's params and context, as in Tekton.
func (r *Reconciler) inlineRemoteTasks(ctx context.Context, pr *v1.PipelineRun, spec *v1.PipelineSpec, name string, cfg *config.Config) (bool, error) {
	values := state.RunValues(pr, spec, name)
	var waiting []string
	inlined := false
	for _, pts := range [][]v1.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range pts {
			pt := &pts[i]
			if pt.TaskRef == nil || !resolution.IsRemote(pt.TaskRef.ResolverRef) {
				continue
			}
			if r.remote == nil {
				return false, failure.Userf(v1.PipelineRunReasonCouldntGetTask.String(),
					"pipeline task %q: remote resolution is not enabled in this controller", pt.Name)
			}
			ref := pt.TaskRef.ResolverRef.DeepCopy()
			for j := range ref.Params {
				ref.Params[j].Value.StringVal = values.String(ref.Params[j].Value.StringVal)
			}
			t, wait, err := r.remote.Task(ctx, owner(pr), pr.Namespace, *ref, cfg.ResolutionTimeout())
			switch {
			case wait:
				waiting = append(waiting, pt.Name)
			case err != nil:
				return false, failure.Userf(v1.PipelineRunReasonCouldntGetTask.String(),
					"PipelineRun %s/%s: pipeline task %q: %v", pr.Namespace, pr.Name, pt.Name, err)
			default:
				*pt = resources.InlineResolvedTask(*pt, t.Name, t.Spec, t.RefSource)
				inlined = true
			}
		}
	}
	if len(waiting) > 0 {
		return false, &failure.Pending{Reason: v1.TaskRunReasonResolvingTaskRef,
			Message: fmt.Sprintf("resolving the taskRefs of pipeline tasks %q", waiting)}
	}
	return inlined, nil
}

// waitForResolution records a pending resolution in the run's condition,
// unless the run was cancelled meanwhile (it fails as cancelled). The
// requeue is the fallback should no notification come.
func (r *Reconciler) waitForResolution(pr *v1.PipelineRun, p *failure.Pending, cfg *config.Config) ctrl.Result {
	if pr.IsCancelled() || pr.IsGracefullyCancelled() || pr.IsGracefullyStopped() {
		r.fail(pr, v1.PipelineRunReasonCancelled.String(),
			fmt.Sprintf("PipelineRun %q was cancelled while its refs were resolving", pr.Name))
		return ctrl.Result{}
	}
	pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
		Reason: p.Reason, Message: p.Message})
	return ctrl.Result{RequeueAfter: cfg.ResolutionTimeout()}
}
