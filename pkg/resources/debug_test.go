package resources

import (
	"slices"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestMakePodDebug(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		debug       *v1.TaskRunDebug
		wantVolume  bool
		wantFailure []bool // per step of doneWhen: write, read, done
		wantBefore  []bool
	}{
		{name: "none", wantFailure: []bool{false, false, false}, wantBefore: []bool{false, false, false}},
		{name: "empty", debug: &v1.TaskRunDebug{}, wantFailure: []bool{false, false, false}, wantBefore: []bool{false, false, false}},
		{name: "on failure", debug: &v1.TaskRunDebug{Breakpoints: &v1.TaskBreakpoints{OnFailure: "enabled"}},
			wantVolume: true, wantFailure: []bool{true, true, true}, wantBefore: []bool{false, false, false}},
		{name: "before a step", debug: &v1.TaskRunDebug{Breakpoints: &v1.TaskBreakpoints{BeforeSteps: []string{"read"}}},
			wantVolume: true, wantFailure: []bool{false, false, false}, wantBefore: []bool{false, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, spec := doneWhen()
			tr.Spec.Debug = tc.debug
			pod, err := MakePod(PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()})
			if err != nil {
				t.Fatal(err)
			}
			hasVolume := slices.ContainsFunc(pod.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == volDebug })
			if hasVolume != tc.wantVolume {
				t.Errorf("debug volume: %v, want %v", hasVolume, tc.wantVolume)
			}
			for i, c := range pod.Spec.Containers {
				args := strings.Join(c.Args, " ")
				if got := strings.Contains(args, "-breakpoint_on_failure"); got != tc.wantFailure[i] {
					t.Errorf("%s: breakpoint on failure %v, want %v", c.Name, got, tc.wantFailure[i])
				}
				if got := strings.Contains(args, "-debug_before_step"); got != tc.wantBefore[i] {
					t.Errorf("%s: breakpoint before %v, want %v", c.Name, got, tc.wantBefore[i])
				}
				mounted := slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == volDebug })
				if mounted != tc.wantVolume {
					t.Errorf("%s: debug mount %v, want %v", c.Name, mounted, tc.wantVolume)
				}
			}
		})
	}
}
