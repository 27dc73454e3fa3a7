package resources

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/credentials"
)

func TestMakePodErrors(t *testing.T) {
	t.Parallel()
	step := v1.Step{Name: "s", Image: "alpine", Command: []string{"true"}}
	for _, tc := range []struct {
		name    string
		mutate  func(*PodInput)
		want    string
		wantErr error
	}{
		{"missing image config", func(in *PodInput) {
			in.Spec.Steps = []v1.Step{{Name: "s", Image: "registry.local/x"}}
		}, `step "s": no command, and the ENTRYPOINT/CMD of image "registry.local/x" was not resolved`, nil},
		{"image without entrypoint or cmd", func(in *PodInput) {
			in.Spec.Steps = []v1.Step{{Name: "s", Image: "x"}}
			in.Images = map[string]ImageConfig{"x": {}}
		}, `image "x" has neither ENTRYPOINT nor CMD`, nil},
		{"no image", func(in *PodInput) { in.Spec.Steps[0].Image = "" }, `step "s": no image`, nil},
		{"no steps", func(in *PodInput) { in.Spec.Steps = nil }, "no steps", nil},
		{"required workspace unbound", func(in *PodInput) {
			in.Spec.Workspaces = []v1.WorkspaceDeclaration{{Name: "src"}}
		}, `workspace "src" is required by the Task but the TaskRun does not bind it`, nil},
		{"undeclared binding", func(in *PodInput) {
			in.TaskRun.Spec.Workspaces = []v1.WorkspaceBinding{{Name: "x", EmptyDir: &corev1.EmptyDirVolumeSource{}}}
		}, `binds workspace "x", which the Task does not declare`, nil},
		{"binding without source", func(in *PodInput) {
			in.Spec.Workspaces = []v1.WorkspaceDeclaration{{Name: "w"}}
			in.TaskRun.Spec.Workspaces = []v1.WorkspaceBinding{{Name: "w"}}
		}, `workspace binding "w" must give exactly one volume source, it gives 0`, nil},
		{"step action not inlined", func(in *PodInput) { in.Spec.Steps[0].Ref = &v1.Ref{Name: "a"} }, `step "s": ref: the StepAction was not inlined`, nil},
		{"unknown stepSpec", func(in *PodInput) {
			in.TaskRun.Spec.StepSpecs = []v1.TaskRunStepSpec{{Name: "nope"}}
		}, `stepSpecs names "nope"`, nil},
		{"mount of missing volume", func(in *PodInput) {
			in.Spec.Steps[0].VolumeMounts = []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}
		}, `container "step-s" mounts volume "nope", which does not exist`, nil},
		{"mount over Slipway's own path", func(in *PodInput) {
			in.Spec.Volumes = []corev1.Volume{{Name: "v"}}
			in.Spec.Steps[0].VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/slipway/run"}}
		}, `mounts two volumes at "/slipway/run"`, nil},
		{"volume name clash", func(in *PodInput) {
			in.Spec.Volumes = []corev1.Volume{{Name: "slipway-run"}}
		}, `volume name "slipway-run" is used twice`, nil},
		{"credentials volume clash", func(in *PodInput) {
			in.Credentials = []credentials.Credential{{Kind: credentials.DockerConfig, Secret: "r"}}
			in.Spec.Volumes = []corev1.Volume{{Name: "tekton-creds-secret-0"}}
		}, `volume name "tekton-creds-secret-0" is used twice`, nil},
		{"mount over credentials path", func(in *PodInput) {
			in.Credentials = []credentials.Credential{{Kind: credentials.DockerConfig, Secret: "r"}}
			in.Spec.Volumes = []corev1.Volume{{Name: "v"}}
			in.Spec.Steps[0].VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/tekton/creds"}}
		}, `mounts two volumes at "/tekton/creds"`, nil},
		{"sidecar restartPolicy", func(in *PodInput) {
			never := corev1.ContainerRestartPolicy("Never")
			in.Spec.Sidecars = []v1.Sidecar{{Name: "sc", Image: "x", RestartPolicy: &never}}
		}, `sidecar "sc": restartPolicy "Never"`, nil},
		{"bad entrypoint mode", func(in *PodInput) { in.Config.EntrypointMode = "magic" }, `unknown entrypoint mode "magic"`, nil},
		{"init mode without image", func(in *PodInput) {
			in.Config.EntrypointMode = config.EntrypointModeInit
			in.Config.EntrypointImage = ""
		}, "needs an entrypoint image", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := PodInput{
				TaskRun: &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns"}},
				Spec:    &v1.TaskSpec{Steps: []v1.Step{*step.DeepCopy()}},
				Config:  nodeConfig(),
			}
			tc.mutate(&in)
			_, err := MakePod(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("MakePod error = %v, want it to contain %q", err, tc.want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("MakePod error = %v, want errors.Is %v", err, tc.wantErr)
			}
		})
	}
}

func TestMakePodNilInput(t *testing.T) {
	t.Parallel()
	if _, err := MakePod(PodInput{}); err == nil {
		t.Error("MakePod(PodInput{}) succeeded")
	}
}
