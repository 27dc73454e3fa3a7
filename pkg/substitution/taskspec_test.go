package substitution

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testTaskRun() (*v1.TaskSpec, *v1.TaskRun) {
	spec := &v1.TaskSpec{
		Params: v1.ParamSpecs{
			{Name: "msg", Type: v1.ParamTypeString, Default: v1.NewStructuredValues("default")},
			{Name: "img", Type: v1.ParamTypeString, Default: v1.NewStructuredValues("alpine")},
			{Name: "flags", Type: v1.ParamTypeArray, Default: v1.NewStructuredValues("-a", "-b")},
			{Name: "repo", Type: v1.ParamTypeObject, Default: v1.NewObject(map[string]string{"url": "u0", "rev": "main"})},
		},
		Results:    []v1.TaskResult{{Name: "out"}},
		Workspaces: []v1.WorkspaceDeclaration{{Name: "src"}, {Name: "cache", MountPath: "/cache"}, {Name: "opt", Optional: true}},
	}
	tr := &v1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Name: "run", Namespace: "ns", UID: "uid-1"},
		Spec: v1.TaskRunSpec{
			TaskRef: &v1.TaskRef{Name: "greet"},
			Params: v1.Params{
				{Name: "msg", Value: *v1.NewStructuredValues("hello")},
				{Name: "repo", Value: *v1.NewObject(map[string]string{"url": "u1"})},
			},
			Workspaces: []v1.WorkspaceBinding{
				{Name: "src", EmptyDir: &corev1.EmptyDirVolumeSource{}},
				{Name: "cache", PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "pvc-c"}},
			},
		},
	}
	return spec, tr
}

func TestTaskRunValues(t *testing.T) {
	t.Parallel()
	spec, tr := testTaskRun()
	v := TaskRunValues(spec, tr, TaskRunOptions{Retry: 2})
	want := map[string]string{
		"params.msg":                "hello",
		"params.img":                "alpine",
		"context.taskRun.name":      "run",
		"context.taskRun.namespace": "ns",
		"context.taskRun.uid":       "uid-1",
		"context.task.name":         "greet",
		"context.task.retry-count":  "2",
		"credentials.path":          "/tekton/creds",
		"results.out.path":          "/tekton/results/out",
		"workspaces.src.path":       "/workspace/src",
		"workspaces.src.bound":      "true",
		"workspaces.src.claim":      "",
		"workspaces.src.volume":     "ws-src",
		"workspaces.cache.path":     "/cache",
		"workspaces.cache.bound":    "true",
		"workspaces.cache.claim":    "pvc-c",
		"workspaces.cache.volume":   "ws-cache",
		"workspaces.opt.path":       "",
		"workspaces.opt.bound":      "false",
		"workspaces.opt.claim":      "",
		"workspaces.opt.volume":     "",
	}
	if diff := cmp.Diff(want, v.Strings); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"params.flags": {"-a", "-b"}}, v.Arrays); diff != "" {
		t.Errorf("Arrays (-want +got):\n%s", diff)
	}
	wantObj := map[string]map[string]string{"params.repo": {"url": "u1", "rev": "main"}}
	if diff := cmp.Diff(wantObj, v.Objects); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
}

func TestTaskRunValuesEmbeddedSpecAndClaims(t *testing.T) {
	t.Parallel()
	spec := &v1.TaskSpec{Workspaces: []v1.WorkspaceDeclaration{{Name: "w"}}}
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "run"}, Spec: v1.TaskRunSpec{
		TaskSpec:   spec,
		Workspaces: []v1.WorkspaceBinding{{Name: "w", VolumeClaimTemplate: &corev1.PersistentVolumeClaim{}}},
	}}
	v := TaskRunValues(spec, tr, TaskRunOptions{
		VolumeName: func(ws string) string { return "vol-" + ws },
		ClaimName:  func(tr *v1.TaskRun, b v1.WorkspaceBinding) string { return "pvc-" + tr.Name + "-" + b.Name },
	})
	for k, want := range map[string]string{
		"context.task.name":   "run",
		"workspaces.w.claim":  "pvc-run-w",
		"workspaces.w.volume": "vol-w",
	} {
		if got := v.Strings[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestApplyToTaskSpec(t *testing.T) {
	t.Parallel()
	spec, tr := testTaskRun()
	spec.Volumes = []corev1.Volume{
		{Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "$(params.msg)-cm"}}}},
		{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "$(params.msg)"}}},
		{Name: "p", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "$(params.img)"}}},
		{Name: "pr", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "$(params.msg)"}}},
		}}}},
	}
	spec.Workspaces[0].MountPath = "/w/$(params.msg)"
	spec.StepTemplate = &v1.StepTemplate{Image: "$(params.img)", Env: []corev1.EnvVar{{Name: "T", Value: "$(params.msg)"}}}
	spec.Steps = []v1.Step{{
		Name:         "s",
		Image:        "$(params.img):3",
		Command:      []string{"run", "$(params.flags[*])"},
		Args:         []string{"$(params.repo.url)", `$(params["flags"][1])`},
		Script:       "echo $(params.msg) > $(results.out.path)",
		WorkingDir:   "$(workspaces.src.path)",
		OnError:      "$(params.onerr)",
		Env:          []corev1.EnvVar{{Name: "E", Value: "$(context.taskRun.name)", ValueFrom: nil}},
		EnvFrom:      []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "$(params.msg)"}}}},
		VolumeMounts: []corev1.VolumeMount{{Name: "cm", MountPath: "/m/$(params.msg)", SubPath: "$(params.img)"}},
	}}
	spec.Sidecars = []v1.Sidecar{{Name: "sc", Image: "$(params.img)", Script: "$(params.msg)", Args: []string{"$(params.flags[*])"}}}
	orig := spec.DeepCopy()

	got := ApplyToTaskSpec(spec, TaskRunValues(spec, tr, TaskRunOptions{}))

	if diff := cmp.Diff(orig, spec); diff != "" {
		t.Fatalf("input modified (-orig +now):\n%s", diff)
	}
	st := got.Steps[0]
	checks := []struct{ what, got, want string }{
		{"image", st.Image, "alpine:3"},
		{"script", st.Script, "echo hello > /tekton/results/out"},
		{"workingDir (mountPath uses a param)", st.WorkingDir, "/w/hello"},
		{"onError unresolved", string(st.OnError), "$(params.onerr)"},
		{"env", st.Env[0].Value, "run"},
		{"envFrom", st.EnvFrom[0].SecretRef.Name, "hello"},
		{"mountPath", st.VolumeMounts[0].MountPath, "/m/hello"},
		{"subPath", st.VolumeMounts[0].SubPath, "alpine"},
		{"template image", got.StepTemplate.Image, "alpine"},
		{"template env", got.StepTemplate.Env[0].Value, "hello"},
		{"sidecar image", got.Sidecars[0].Image, "alpine"},
		{"sidecar script", got.Sidecars[0].Script, "hello"},
		{"configMap", got.Volumes[0].ConfigMap.Name, "hello-cm"},
		{"secret", got.Volumes[1].Secret.SecretName, "hello"},
		{"pvc", got.Volumes[2].PersistentVolumeClaim.ClaimName, "alpine"},
		{"projected", got.Volumes[3].Projected.Sources[0].Secret.Name, "hello"},
		{"workspace mountPath", got.Workspaces[0].MountPath, "/w/hello"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if diff := cmp.Diff([]string{"run", "-a", "-b"}, st.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"u1", "-b"}, st.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"-a", "-b"}, got.Sidecars[0].Args); diff != "" {
		t.Errorf("sidecar args (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"params.onerr"}, Unresolved(got)); diff != "" {
		t.Errorf("Unresolved (-want +got):\n%s", diff)
	}
}

func TestUnresolved(t *testing.T) {
	t.Parallel()
	spec := &v1.TaskSpec{Steps: []v1.Step{{
		Script: "echo $(params.x) $(HOME) $(steps.a.results.b.path) $(context.nope) $(params.x)",
		Args:   []string{`$(params["y"][*])`},
	}}}
	want := []string{"context.nope", "params.x", "params.y"}
	if diff := cmp.Diff(want, Unresolved(spec)); diff != "" {
		t.Errorf("Unresolved (-want +got):\n%s", diff)
	}
}
