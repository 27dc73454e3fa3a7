package defaults

import (
	"context"
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
	switch o := obj.(type) {
	case *v1.Pipeline:
		nestedIn(ctx, &o.Spec)
	case *v1.PipelineSpec:
		nestedIn(ctx, o)
	case *v1.PipelineRun:
		if o.Spec.PipelineSpec != nil {
			nestedIn(ctx, o.Spec.PipelineSpec)
		}
	case *v1beta1.Pipeline:
		nestedInBeta(ctx, &o.Spec)
	case *v1beta1.PipelineSpec:
		nestedInBeta(ctx, o)
	case *v1beta1.PipelineRun:
		if o.Spec.PipelineSpec != nil {
			nestedInBeta(ctx, o.Spec.PipelineSpec)
		}
	}
}

// nestedIn defaults the pipelineSpec of each of ps's tasks, at every depth.
func nestedIn(ctx context.Context, ps *v1.PipelineSpec) {
	for _, pts := range [][]v1.PipelineTask{ps.Tasks, ps.Finally} {
		for _, pt := range pts {
			if pt.PipelineSpec != nil {
				pt.PipelineSpec.SetDefaults(ctx)
				nestedIn(ctx, pt.PipelineSpec)
			}
		}
	}
}

// nestedInBeta is nestedIn for v1beta1 (the same fields in another type).
func nestedInBeta(ctx context.Context, ps *v1beta1.PipelineSpec) {
	for _, pts := range [][]v1beta1.PipelineTask{ps.Tasks, ps.Finally} {
		for _, pt := range pts {
			if pt.PipelineSpec != nil {
				pt.PipelineSpec.SetDefaults(ctx)
				nestedInBeta(ctx, pt.PipelineSpec)
			}
		}
	}
}

func timeout(d *metav1.Duration, def time.Duration) *metav1.Duration {
	if d != nil {
		return d
	}
	return &metav1.Duration{Duration: def}
}
