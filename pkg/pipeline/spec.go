package pipeline

import (
	"context"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/defaults"
	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resolution"
)

// pipelineSpec returns the pipeline's name and its defaulted, validated
// spec, from pipelineSpec or a namespaced pipelineRef. A spec recorded in
// status wins, so that editing the Pipeline never changes a running run.
func (r *Reconciler) pipelineSpec(ctx context.Context, pr *v1.PipelineRun, cfg *config.Config) (string, *v1.PipelineSpec, error) {
	ctx = cfg.Tekton(ctx)
	name := pr.Name
	if pr.Spec.PipelineRef != nil && pr.Spec.PipelineRef.Name != "" {
		name = pr.Spec.PipelineRef.Name
	}
	if pr.Status.PipelineSpec != nil {
		// Stored by the first pass, after both validations below passed:
		// Tekton's Validate compiles regexps per call, and a 500-task
		// pipeline is reconciled again on every child's change.
		return name, pr.Status.PipelineSpec.DeepCopy(), nil
	}
	defaulted := pr.DeepCopy()
	defaults.Apply(ctx, cfg, defaulted)
	if err := defaulted.Validate(ctx); err != nil {
		return "", nil, failure.Userf(state.ReasonValidationFailed, "PipelineRun %s/%s is invalid: %v", pr.Namespace, pr.Name, err)
	}
	var spec *v1.PipelineSpec
	switch {
	case pr.Spec.PipelineSpec != nil:
		spec = pr.Spec.PipelineSpec.DeepCopy()
	case pr.Spec.PipelineRef != nil && resolution.IsRemote(pr.Spec.PipelineRef.ResolverRef):
		resolved, rspec, err := r.remotePipeline(ctx, pr, cfg)
		if err != nil {
			return "", nil, err
		}
		name, spec = resolved, rspec
	case pr.Spec.PipelineRef != nil:
		var err error
		spec, err = resolution.Pipeline(ctx, r.client, pr.Namespace, pr.Spec.PipelineRef)
		if resolution.IsUserError(err) {
			return "", nil, failure.Userf(v1.PipelineRunReasonCouldntGetPipeline.String(),
				"Error retrieving pipeline for pipelinerun %s/%s: %v", pr.Namespace, pr.Name, err)
		}
		if err != nil {
			return "", nil, err
		}
	default:
		return "", nil, failure.Userf(state.ReasonValidationFailed, "PipelineRun %s/%s has neither pipelineRef nor pipelineSpec", pr.Namespace, pr.Name)
	}
	inlined, err := r.inlineRemoteTasks(ctx, pr, spec, name, cfg)
	if err != nil {
		return "", nil, err
	}
	defaults.Apply(ctx, cfg, spec)
	if pr.Spec.PipelineSpec != nil && !inlined {
		return name, spec, nil // validated with the PipelineRun above
	}
	if err := spec.Validate(ctx); err != nil {
		return "", nil, failure.Userf(state.ReasonValidationFailed, "Pipeline %s/%s is invalid: %v", pr.Namespace, name, err)
	}
	return name, spec, nil
}
