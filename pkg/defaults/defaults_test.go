package defaults_test

import (
	"context"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/defaults"
)

// TestNestedPipelines: a pipeline inside a pipeline gets Tekton's defaults
// (a param's type), at any depth, in both API versions.
func TestNestedPipelines(t *testing.T) {
	inner := func() *v1.PipelineSpec {
		return &v1.PipelineSpec{Params: v1.ParamSpecs{{Name: "word"}}, Tasks: []v1.PipelineTask{{Name: "deeper",
			PipelineSpec: &v1.PipelineSpec{Params: v1.ParamSpecs{{Name: "deep"}}}}}}
	}
	innerBeta := &v1beta1.PipelineSpec{Params: v1beta1.ParamSpecs{{Name: "word"}}}
	cases := []struct {
		name string
		obj  apis.Defaultable
	}{
		{"v1 PipelineRun", &v1.PipelineRun{Spec: v1.PipelineRunSpec{PipelineSpec: &v1.PipelineSpec{
			Finally: []v1.PipelineTask{{Name: "child", PipelineSpec: inner()}}}}}},
		{"v1 Pipeline", &v1.Pipeline{Spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{{Name: "child", PipelineSpec: inner()}}}}},
		{"v1beta1 Pipeline", &v1beta1.Pipeline{Spec: v1beta1.PipelineSpec{Tasks: []v1beta1.PipelineTask{{Name: "child", PipelineSpec: innerBeta}}}}},
	}
	for _, tc := range cases {
		defaults.Apply(context.Background(), config.Default(), tc.obj)
		var got []string
		switch o := tc.obj.(type) {
		case *v1.PipelineRun:
			in := o.Spec.PipelineSpec.Finally[0].PipelineSpec
			got = []string{string(in.Params[0].Type), string(in.Tasks[0].PipelineSpec.Params[0].Type)}
		case *v1.Pipeline:
			in := o.Spec.Tasks[0].PipelineSpec
			got = []string{string(in.Params[0].Type), string(in.Tasks[0].PipelineSpec.Params[0].Type)}
		case *v1beta1.Pipeline:
			got = []string{string(o.Spec.Tasks[0].PipelineSpec.Params[0].Type)}
		}
		for _, typ := range got {
			if typ != "string" {
				t.Errorf("%s: nested param types %v, want string everywhere", tc.name, got)
				break
			}
		}
	}
}
