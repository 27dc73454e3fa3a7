package state

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/substitution"
)

func TestPropagate(t *testing.T) {
	t.Parallel()
	v := substitution.NewValues()
	v.Strings["params.msg"] = "hello"
	v.Strings["params.own"] = "pipeline's"
	v.Strings["context.pipelineRun.name"] = "pr"
	v.Strings["tasks.a.results.r"] = "R"
	run := []v1.WorkspaceBinding{{Name: "shared", EmptyDir: &corev1.EmptyDirVolumeSource{}}, {Name: "unused", EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	pt := v1.PipelineTask{Name: "t", TaskSpec: &v1.EmbeddedTask{TaskSpec: v1.TaskSpec{
		Params: v1.ParamSpecs{{Name: "own"}},
		Steps: []v1.Step{{Name: "s", Image: "busybox",
			Script: "echo $(params.msg) $(params.own) $(context.pipelineRun.name) $(tasks.a.results.r) $(workspaces.shared.path)"}},
	}}}
	got := propagate(pt, v, run)
	want := "echo hello $(params.own) pr R $(workspaces.shared.path)"
	if s := got.TaskSpec.Steps[0].Script; s != want {
		t.Errorf("script = %q, want %q", s, want)
	}
	if diff := cmp.Diff([]v1.WorkspaceDeclaration{{Name: "shared"}}, got.TaskSpec.Workspaces); diff != "" {
		t.Errorf("declared workspaces (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]v1.WorkspacePipelineTaskBinding{{Name: "shared", Workspace: "shared"}}, got.Workspaces); diff != "" {
		t.Errorf("bound workspaces (-want +got):\n%s", diff)
	}
	if pt.TaskSpec.Steps[0].Script == want || len(pt.Workspaces) != 0 {
		t.Error("propagate modified its input")
	}
	ref := v1.PipelineTask{Name: "r", TaskRef: &v1.TaskRef{Name: "x"}}
	if diff := cmp.Diff(ref, propagate(ref, v, run)); diff != "" {
		t.Errorf("taskRef task changed:\n%s", diff)
	}
}
