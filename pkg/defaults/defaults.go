package defaults

import (
	"context"
	"slices"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/config"
)

// Apply sets cfg's defaults on obj in place, then Tekton's SetDefaults
// with cfg in the context. Run timeouts are set to cfg's exact duration
// first, because Tekton's own default counts whole minutes only. The
// pipelines inside a pipeline (pipelineSpec on a pipeline task) get their
// defaults too, which Tekton's SetDefaults leaves out (a param declared
// there without a type would otherwise be refused).
func Apply(ctx context.Context, cfg *config.Config, obj apis.Defaultable) {
	switch o := obj.(type) {
	case *v1.TaskRun:
		o.Spec.Timeout = timeout(o.Spec.Timeout, cfg.DefaultTimeout)
	case *v1beta1.TaskRun:
		o.Spec.Timeout = timeout(o.Spec.Timeout, cfg.DefaultTimeout)
	case *v1.PipelineRun:
		if o.Spec.Timeouts == nil {
			o.Spec.Timeouts = &v1.TimeoutFields{}
		}
		o.Spec.Timeouts.Pipeline = timeout(o.Spec.Timeouts.Pipeline, cfg.DefaultTimeout)
	case *v1beta1.PipelineRun:
		if o.Spec.Timeouts == nil && o.Spec.Timeout == nil {
			o.Spec.Timeouts = &v1beta1.TimeoutFields{}
		}
		if o.Spec.Timeouts != nil {
			o.Spec.Timeouts.Pipeline = timeout(o.Spec.Timeouts.Pipeline, cfg.DefaultTimeout)
		}
	}
	ctx = cfg.Tekton(ctx)
	obj.SetDefaults(ctx)
	nested(ctx, obj)
}

// nested sets Tekton's defaults on the pipelines inside obj's pipeline.
func nested(ctx context.Context, obj apis.Defaultable) {
	var tasks []v1.PipelineTask
	var beta []v1beta1.PipelineTask
	switch o := obj.(type) {
	case *v1.Pipeline:
		tasks = slices.Concat(o.Spec.Tasks, o.Spec.Finally)
	case *v1.PipelineSpec:
		tasks = slices.Concat(o.Tasks, o.Finally)
	case *v1.PipelineRun:
		if o.Spec.PipelineSpec != nil {
			tasks = slices.Concat(o.Spec.PipelineSpec.Tasks, o.Spec.PipelineSpec.Finally)
		}
	case *v1beta1.Pipeline:
		beta = slices.Concat(o.Spec.Tasks, o.Spec.Finally)
	case *v1beta1.PipelineSpec:
		beta = slices.Concat(o.Tasks, o.Finally)
	case *v1beta1.PipelineRun:
		if o.Spec.PipelineSpec != nil {
			beta = slices.Concat(o.Spec.PipelineSpec.Tasks, o.Spec.PipelineSpec.Finally)
		}
	}
	for _, pt := range tasks {
		if pt.PipelineSpec != nil {
			pt.PipelineSpec.SetDefaults(ctx)
			nested(ctx, pt.PipelineSpec)
		}
	}
	for _, pt := range beta {
		if pt.PipelineSpec != nil {
			pt.PipelineSpec.SetDefaults(ctx)
			nested(ctx, pt.PipelineSpec)
		}
	}
}

func timeout(d *metav1.Duration, def time.Duration) *metav1.Duration {
	if d != nil {
		return d
	}
	return &metav1.Duration{Duration: def}
}
