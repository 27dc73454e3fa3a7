package resources

import (
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// heldOf is doneWhen's TaskRun held for an upstream task, its param
// "who" a placeholder; edit changes the spec before substitution.
func heldOf(edit func(*v1.TaskSpec)) PodInput {
	tr, _ := doneWhen()
	tr.Annotations[AnnotationHeld] = "clone"
	tr.Spec.Params = v1.Params{{Name: "who", Value: *v1.NewStructuredValues(HeldToken("who"))}}
	tr.Spec.Workspaces = nil
	spec := &v1.TaskSpec{
		Params: v1.ParamSpecs{{Name: "who", Type: v1.ParamTypeString}},
		Steps: []v1.Step{{Name: "greet", Image: "alpine", Script: "echo hello $(params.who)",
			Env: []corev1.EnvVar{{Name: "WHO", Value: "$(params.who)"}}}},
	}
	if edit != nil {
		edit(spec)
	}
	v := substitution.TaskRunValues(spec, tr, substitution.TaskRunOptions{VolumeName: WorkspaceVolumeName})
	return PodInput{TaskRun: tr, Spec: substitution.ApplyToTaskSpec(spec, v), Config: nodeConfig(), Held: true}
}

func heldInput() PodInput { return heldOf(nil) }

func TestMakePodHeld(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*v1.TaskSpec)
		wantErr error
	}{
		{name: "script and env wait in the steps"},
		{name: "an image cannot wait", edit: func(s *v1.TaskSpec) { s.Steps[0].Image = "alpine:$(params.who)" }, wantErr: ErrNotEager},
		{name: "a working directory cannot wait", edit: func(s *v1.TaskSpec) { s.Steps[0].WorkingDir = "/w/$(params.who)" }, wantErr: ErrNotEager},
		{name: "a sidecar cannot wait", edit: func(s *v1.TaskSpec) {
			s.Sidecars = []v1.Sidecar{{Name: "s", Image: "alpine", Args: []string{"$(params.who)"}}}
		}, wantErr: ErrNotEager},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod, err := MakePod(heldOf(tc.edit))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("MakePod error = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if pod.Spec.ActiveDeadlineSeconds != nil {
				t.Errorf("a held pod has a deadline: %d", *pod.Spec.ActiveDeadlineSeconds)
			}
			if got := pod.Annotations[AnnotationHeldParams]; got != "who" {
				t.Errorf("%s = %q", AnnotationHeldParams, got)
			}
			args := strings.Join(pod.Spec.Containers[0].Args, " ")
			if !strings.Contains(args, "-release_file "+releasePath) {
				t.Errorf("step args lack the release file: %s", args)
			}
		})
	}
}

func TestReleased(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationHeldParams: "who"}}}
	pod.Status.StartTime = &metav1.Time{Time: start}
	tests := []struct {
		name     string
		value    v1.ParamValue
		held     string
		wantFits bool
		want     string
		wantErr  bool
	}{
		{name: "a string", value: *v1.NewStructuredValues("world"), held: "who", wantFits: true, want: `{"@slipway-held:who@":"world"}`},
		{name: "nothing held (runAfter only)", value: *v1.NewStructuredValues("world"), held: "", wantFits: true, want: `{}`},
		{name: "too large for an annotation", value: *v1.NewStructuredValues(strings.Repeat("x", MaxReleaseBytes))},
		{name: "a whole array result", value: *v1.NewStructuredValues("a", "b")},
		{name: "a held param the TaskRun lacks", value: *v1.NewStructuredValues("w"), held: "who,other", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := pod.DeepCopy()
			p.Annotations[AnnotationHeldParams] = tc.held
			if tc.held == "" && tc.wantFits {
				p.Annotations[AnnotationHeldParams] = ""
			} else if tc.held == "" {
				p.Annotations[AnnotationHeldParams] = "who"
			}
			tr := &v1.TaskRun{Spec: v1.TaskRunSpec{Params: v1.Params{{Name: "who", Value: tc.value}},
				Timeout: &metav1.Duration{Duration: time.Minute}}}
			out, fits, err := Released(tr, p, config.Default(), start.Add(90*time.Second))
			if (err != nil) != tc.wantErr || fits != tc.wantFits {
				t.Fatalf("Released = fits %v, err %v; want fits %v, error %v", fits, err, tc.wantFits, tc.wantErr)
			}
			if !fits {
				return
			}
			if got := out.Annotations[AnnotationRelease]; got != tc.want {
				t.Errorf("release = %s, want %s", got, tc.want)
			}
			if d := out.Spec.ActiveDeadlineSeconds; d == nil || *d != 150 {
				t.Errorf("deadline = %v, want 150 s (90 s held + the 60 s timeout)", d)
			}
			if NeedsRelease(out) || !NeedsRelease(p) {
				t.Errorf("NeedsRelease: before %v, after %v", NeedsRelease(p), NeedsRelease(out))
			}
		})
	}
}
