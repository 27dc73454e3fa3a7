package resources_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func TestMakeChildPipelineRun(t *testing.T) {
	t.Parallel()
	yes := true
	timeout := &metav1.Duration{Duration: 10 * time.Minute}
	spec := &v1.PipelineSpec{Tasks: []v1.PipelineTask{{Name: "scan", TaskRef: &v1.TaskRef{Name: "scorecards"}}}}
	params := v1.Params{{Name: "repo", Value: *v1.NewStructuredValues("https://git.example/app")}}
	base := func(name string) *v1.PipelineRun {
		return &v1.PipelineRun{
			TypeMeta: metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"},
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: "ns",
				Labels: map[string]string{"team": "x", "tekton.dev/pipelineRun": "run", "tekton.dev/pipelineTask": "scans",
					"tekton.dev/pipeline": "parent", "tekton.dev/memberOf": "tasks"},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: "run", UID: "uid-1",
					Controller: &yes, BlockOwnerDeletion: &yes}},
			},
			Spec: v1.PipelineRunSpec{TaskRunTemplate: v1.PipelineTaskRunTemplate{ServiceAccountName: "builder"}},
		}
	}
	tests := []struct {
		name      string
		pt        v1.PipelineTask
		opts      resources.TaskRunOptions
		cancelled bool
		want      func(*v1.PipelineRun)
	}{{
		name: "pipelineRef: the referenced Pipeline names the child, params and workspaces pass, the timeout bounds it",
		pt: v1.PipelineTask{Name: "scans", PipelineRef: &v1.PipelineRef{Name: "security-scans"}, Params: params,
			Workspaces: []v1.WorkspacePipelineTaskBinding{{Name: "source", Workspace: "src", SubPath: "app"}, {Name: "scratch"}}},
		opts: resources.TaskRunOptions{Name: "run-scans", PipelineName: "parent", Timeout: timeout, ClaimNames: map[string]string{"scratch": "pvc-1"}},
		want: func(pr *v1.PipelineRun) {
			pr.Labels["tekton.dev/pipeline"] = "security-scans"
			pr.Spec.PipelineRef = &v1.PipelineRef{Name: "security-scans"}
			pr.Spec.Params = params
			pr.Spec.Timeouts = &v1.TimeoutFields{Pipeline: timeout}
			pr.Spec.Workspaces = []v1.WorkspaceBinding{
				{Name: "source", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}, SubPath: "base/app"},
				{Name: "scratch", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pvc-1"}},
			}
		},
	}, {
		name: "pipelineSpec: embedded, the parent's Pipeline label stays; a cancelled parent makes a cancelled child",
		pt:   v1.PipelineTask{Name: "scans", PipelineSpec: spec},
		opts: resources.TaskRunOptions{Name: "run-scans", PipelineName: "parent"}, cancelled: true,
		want: func(pr *v1.PipelineRun) {
			pr.Spec.PipelineSpec = spec
			pr.Spec.Status = v1.PipelineRunSpecStatusCancelled
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := pipelineRun()
			if tc.cancelled {
				parent.Spec.Status = v1.PipelineRunSpecStatusCancelled
			}
			got, err := resources.MakeChildPipelineRun(parent, tc.pt, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := base(tc.opts.Name)
			tc.want(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("child PipelineRun (-want +got):\n%s", d)
			}
		})
	}
	if _, err := resources.MakeChildPipelineRun(pipelineRun(), v1.PipelineTask{Name: "t", TaskRef: &v1.TaskRef{Name: "x"}}, resources.TaskRunOptions{}); err == nil {
		t.Error("a pipeline task with a taskRef made a child PipelineRun")
	}
	if !resources.IsChildPipeline(&v1.PipelineTask{PipelineSpec: spec}) || resources.IsChildPipeline(&v1.PipelineTask{TaskSpec: &v1.EmbeddedTask{}}) {
		t.Error("IsChildPipeline is wrong")
	}
}
