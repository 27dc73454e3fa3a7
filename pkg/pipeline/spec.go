package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/defaults"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
)

// userError is a problem in the user's objects: it fails the run.
type userError struct {
	reason, msg string
}

func (e *userError) Error() string { return e.reason + ": " + e.msg }

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
		return "", nil, &userError{state.ReasonValidationFailed, fmt.Sprintf("PipelineRun %s/%s is invalid: %v", pr.Namespace, pr.Name, err)}
	}
	var spec *v1.PipelineSpec
	switch {
	case pr.Spec.PipelineSpec != nil:
		spec = pr.Spec.PipelineSpec.DeepCopy()
	case pr.Spec.PipelineRef != nil && pr.Spec.PipelineRef.Resolver != "":
		return "", nil, &userError{v1.PipelineRunReasonCouldntGetPipeline.String(),
			fmt.Sprintf("PipelineRun %s/%s: resolver %q is not supported; use a namespaced pipelineRef or pipelineSpec", pr.Namespace, pr.Name, pr.Spec.PipelineRef.Resolver)}
	case pr.Spec.PipelineRef != nil:
		p := &v1.Pipeline{}
		err := r.client.Get(ctx, types.NamespacedName{Namespace: pr.Namespace, Name: name}, p)
		if apierrors.IsNotFound(err) {
			return "", nil, &userError{v1.PipelineRunReasonCouldntGetPipeline.String(),
				fmt.Sprintf("Error retrieving pipeline for pipelinerun %s/%s: pipeline %q not found", pr.Namespace, pr.Name, name)}
		}
		if err != nil {
			return "", nil, fmt.Errorf("getting Pipeline %s/%s: %w", pr.Namespace, name, err)
		}
		spec = p.Spec.DeepCopy()
	default:
		return "", nil, &userError{state.ReasonValidationFailed, fmt.Sprintf("PipelineRun %s/%s has neither pipelineRef nor pipelineSpec", pr.Namespace, pr.Name)}
	}
	defaults.Apply(ctx, cfg, spec)
	if pr.Spec.PipelineSpec != nil {
		return name, spec, nil // validated with the PipelineRun above
	}
	if err := spec.Validate(ctx); err != nil {
		return "", nil, &userError{state.ReasonValidationFailed, fmt.Sprintf("Pipeline %s/%s is invalid: %v", pr.Namespace, name, err)}
	}
	return name, spec, nil
}
