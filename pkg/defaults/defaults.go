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
// first, because Tekton's own default counts whole minutes only.
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
	obj.SetDefaults(cfg.Tekton(ctx))
}

func timeout(d *metav1.Duration, def time.Duration) *metav1.Duration {
	if d != nil {
		return d
	}
	return &metav1.Duration{Duration: def}
}
