package resources_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/pod"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func pipelineRun() *v1.PipelineRun {
	return &v1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "run", Namespace: "ns", UID: "uid-1", Labels: map[string]string{"team": "x"}},
		Spec: v1.PipelineRunSpec{
			Workspaces: []v1.WorkspaceBinding{
				{Name: "src", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}, SubPath: "base"},
				{Name: "scratch", VolumeClaimTemplate: &corev1.PersistentVolumeClaim{}},
			},
			TaskRunTemplate: v1.PipelineTaskRunTemplate{ServiceAccountName: "builder"},
			TaskRunSpecs: []v1.PipelineTaskRunSpec{{
				PipelineTaskName: "special", ServiceAccountName: "deployer",
				PodTemplate: &pod.PodTemplate{NodeSelector: map[string]string{"disk": "ssd"}},
			}},
		},
	}
}

func TestMakeTaskRun(t *testing.T) {
	t.Parallel()
	yes := true
	timeout := &metav1.Duration{Duration: time.Minute}
	tests := []struct {
		name string
		pt   v1.PipelineTask
		opts resources.TaskRunOptions
		want func(*v1.TaskRun)
	}{{
		name: "taskRef with workspaces, retries and timeout",
		pt: v1.PipelineTask{
			Name: "build", TaskRef: &v1.TaskRef{Name: "kaniko"}, Retries: 2,
			Params: v1.Params{{Name: "x", Value: *v1.NewStructuredValues("1")}},
			Workspaces: []v1.WorkspacePipelineTaskBinding{
				{Name: "source", Workspace: "src", SubPath: "app"},
				{Name: "scratch"},
			},
		},
		opts: resources.TaskRunOptions{Name: "run-build", PipelineName: "p", Timeout: timeout, ClaimNames: map[string]string{"scratch": "pvc-1"}},
		want: func(tr *v1.TaskRun) {
			tr.Spec.TaskRef = &v1.TaskRef{Name: "kaniko"}
			tr.Labels["tekton.dev/task"] = "kaniko" // as Tekton labels its TaskRuns
			tr.Spec.Retries = 2
			tr.Spec.Timeout = timeout
			tr.Spec.Params = v1.Params{{Name: "x", Value: *v1.NewStructuredValues("1")}}
			tr.Spec.Workspaces = []v1.WorkspaceBinding{
				{Name: "source", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "claim"}, SubPath: "base/app"},
				{Name: "scratch", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pvc-1"}},
			}
		},
	}, {
		name: "embedded taskSpec, taskRunSpecs override, finally, onError",
		pt: v1.PipelineTask{
			Name: "special", OnError: v1.PipelineTaskContinue,
			TaskSpec: &v1.EmbeddedTask{TaskSpec: v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "busybox"}}}},
		},
		opts: resources.TaskRunOptions{Name: "run-special", PipelineName: "p", Finally: true},
		want: func(tr *v1.TaskRun) {
			tr.Name = "run-special"
			tr.Labels["tekton.dev/pipelineTask"] = "special"
			tr.Labels["tekton.dev/memberOf"] = "finally"
			tr.Annotations = map[string]string{"pipeline.tekton.dev/pipeline-task-on-error": "continue"}
			tr.Spec.TaskSpec = &v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "busybox"}}}
			tr.Spec.ServiceAccountName = "deployer"
			tr.Spec.PodTemplate = &pod.PodTemplate{NodeSelector: map[string]string{"disk": "ssd"}}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := &v1.TaskRun{
				TypeMeta: metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
				ObjectMeta: metav1.ObjectMeta{
					Name: "run-build", Namespace: "ns",
					Labels: map[string]string{"team": "x", "tekton.dev/pipelineRun": "run", "tekton.dev/pipelineTask": "build",
						"tekton.dev/pipeline": "p", "tekton.dev/memberOf": "tasks"},
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: "run", UID: "uid-1",
						Controller: &yes, BlockOwnerDeletion: &yes}},
				},
				Spec: v1.TaskRunSpec{ServiceAccountName: "builder"},
			}
			tc.want(want)
			got, err := resources.MakeTaskRun(pipelineRun(), tc.pt, tc.opts)
			if err != nil {
				t.Fatalf("MakeTaskRun: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("TaskRun (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMakeTaskRunCancelled(t *testing.T) {
	t.Parallel()
	pr := pipelineRun()
	pr.Spec.Status = v1.PipelineRunSpecStatusCancelled
	tr, err := resources.MakeTaskRun(pr, v1.PipelineTask{Name: "a", TaskRef: &v1.TaskRef{Name: "t"}}, resources.TaskRunOptions{Name: "run-a"})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Spec.Status != v1.TaskRunSpecStatusCancelled {
		t.Errorf("spec.status = %q, want %q", tr.Spec.Status, v1.TaskRunSpecStatusCancelled)
	}
}

func TestMakeTaskRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pt   v1.PipelineTask
		want string
	}{
		{name: "no task", pt: v1.PipelineTask{Name: "a"}, want: "neither taskRef nor taskSpec"},
		{name: "pipeline in pipeline", pt: v1.PipelineTask{Name: "a", TaskRef: &v1.TaskRef{Name: "t"}, PipelineRef: &v1.PipelineRef{Name: "p"}}, want: "pipelines in pipelines"},
		{name: "custom task", pt: v1.PipelineTask{Name: "a", TaskSpec: &v1.EmbeddedTask{TypeMeta: runtimeTypeMeta()}}, want: "custom tasks"},
		{name: "template without PVC", pt: v1.PipelineTask{Name: "a", TaskRef: &v1.TaskRef{Name: "t"}, Workspaces: []v1.WorkspacePipelineTaskBinding{{Name: "scratch"}}}, want: `no PVC for volumeClaimTemplate workspace "scratch"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resources.MakeTaskRun(pipelineRun(), tc.pt, resources.TaskRunOptions{Name: "x"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTaskRunName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pr, pt string
		idx    int
		want   string
	}{
		{"run", "build", -1, "run-build"},
		{"run", "build", 3, "run-build-3"},
	}
	for _, tc := range tests {
		if got := resources.TaskRunName(tc.pr, tc.pt, tc.idx); got != tc.want {
			t.Errorf("TaskRunName(%q, %q, %d) = %q, want %q", tc.pr, tc.pt, tc.idx, got, tc.want)
		}
	}
	long := resources.TaskRunName(strings.Repeat("p", 60), "task", 7)
	if len(long) > 63 || long != resources.TaskRunName(strings.Repeat("p", 60), "task", 7) || long == resources.TaskRunName(strings.Repeat("p", 60), "task", 8) {
		t.Errorf("long name %q is not short, stable and distinct", long)
	}
}

func TestMakePVC(t *testing.T) {
	t.Parallel()
	pr := pipelineRun()
	pvc := resources.MakePVC(pr, pr.Spec.Workspaces[1])
	if pvc.Name != resources.PVCName(pr, "scratch") || pvc.Namespace != "ns" || len(pvc.OwnerReferences) != 1 ||
		len(pvc.Spec.AccessModes) != 1 || pvc.Spec.AccessModes[0] != corev1.ReadWriteOnce {
		t.Errorf("PVC = %+v", pvc)
	}
}

func runtimeTypeMeta() runtime.TypeMeta {
	return runtime.TypeMeta{APIVersion: "example.dev/v1", Kind: "Wait"}
}
