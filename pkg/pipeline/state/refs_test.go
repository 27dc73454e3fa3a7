package state

import (
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

func TestCheckResultRefs(t *testing.T) {
	t.Parallel()
	consumer := func(ref string) v1.PipelineTask {
		return v1.PipelineTask{Name: "use", TaskRef: &v1.TaskRef{Name: "t"},
			Params: v1.Params{{Name: "p", Value: *v1.NewStructuredValues(ref)}}}
	}
	declared := Results{"make": {"digest": true}}
	tests := []struct {
		name       string
		spec       v1.PipelineSpec
		wantReason string
		wantMsg    string
	}{
		{name: "declared", spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{consumer("$(tasks.make.results.digest)")}}},
		{name: "unchecked producer", spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{consumer("$(tasks.remote.results.x)")}}},
		{
			name:       "undeclared in a task param",
			spec:       v1.PipelineSpec{Tasks: []v1.PipelineTask{consumer("$(tasks.make.results.sha)")}},
			wantReason: "InvalidTaskResultReference",
			wantMsg:    `invalid result reference in pipeline task "use": "sha" is not a named result returned by pipeline task "make"`,
		},
		{
			name:       "undeclared in finally",
			spec:       v1.PipelineSpec{Finally: []v1.PipelineTask{consumer("$(tasks.make.results.sha)")}},
			wantReason: "InvalidTaskResultReference",
			wantMsg:    `invalid result reference in pipeline task "use": "sha" is not a named result returned by pipeline task "make"`,
		},
		{
			name:       "undeclared in a pipeline result",
			spec:       v1.PipelineSpec{Results: []v1.PipelineResult{{Name: "out", Value: *v1.NewStructuredValues("$(tasks.make.results.sha)")}}},
			wantReason: "InvalidPipelineResultReference",
			wantMsg:    `invalid pipeline result "out": "sha" is not a named result returned by pipeline task "make"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reason, msg := CheckResultRefs(&tc.spec, declared)
			if reason != tc.wantReason || msg != tc.wantMsg {
				t.Errorf("CheckResultRefs = %q, %q; want %q, %q", reason, msg, tc.wantReason, tc.wantMsg)
			}
		})
	}
}
