package resources

import (
	"fmt"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// TestStepResultLimits: every step's shim is told its share of the pod's
// termination messages when it is under the kubelet's per-container
// limit, and max-result-size when it is not the default.
func TestStepResultLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		steps, sidecars, maxResult int
		wantBudget, wantMax        int // 0: not passed
	}{
		{steps: 1},
		{steps: 3},
		{steps: 4, wantBudget: 3072},
		{steps: 2, sidecars: 2, wantBudget: 3072},
		{steps: 100, wantBudget: 122},
		{steps: 1, maxResult: 4096, wantMax: 4096},
		{steps: 1, maxResult: entrypoint.DefaultMaxResultBytes},
	} {
		t.Run(fmt.Sprintf("%d steps %d sidecars max %d", tc.steps, tc.sidecars, tc.maxResult), func(t *testing.T) {
			t.Parallel()
			spec := &v1.TaskSpec{Results: []v1.TaskResult{{Name: "r"}}}
			for i := range tc.steps {
				spec.Steps = append(spec.Steps, v1.Step{Name: fmt.Sprintf("s%d", i), Image: "alpine", Command: []string{"true"}})
			}
			for i := range tc.sidecars {
				spec.Sidecars = append(spec.Sidecars, v1.Sidecar{Name: fmt.Sprintf("c%d", i), Image: "alpine", Command: []string{"sleep"}})
			}
			cfg := nodeConfig()
			if tc.maxResult != 0 {
				cfg.MaxResultBytes = tc.maxResult
			}
			p, err := MakePod(PodInput{TaskRun: &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns"}}, Spec: spec, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Spec.Containers {
				o, err := entrypoint.Parse(c.Args)
				if err != nil {
					t.Fatal(err)
				}
				if o.TerminationBudget != tc.wantBudget || o.MaxResultBytes != tc.wantMax {
					t.Errorf("%s: budget %d, max %d; want %d, %d", c.Name, o.TerminationBudget, o.MaxResultBytes, tc.wantBudget, tc.wantMax)
				}
			}
		})
	}
}

// TestIsolatedWorkspaces: a workspace a step or sidecar names in its own
// workspaces is mounted only there (at its mountPath if it gives one);
// the others everywhere.
func TestIsolatedWorkspaces(t *testing.T) {
	t.Parallel()
	spec := &v1.TaskSpec{
		Workspaces: []v1.WorkspaceDeclaration{{Name: "secret"}, {Name: "src"}},
		Steps: []v1.Step{
			{Name: "fetch", Image: "alpine", Command: []string{"true"}, Workspaces: []v1.WorkspaceUsage{{Name: "secret", MountPath: "/creds"}}},
			{Name: "build", Image: "alpine", Command: []string{"true"}},
		},
		Sidecars: []v1.Sidecar{{Name: "vault", Image: "alpine", Command: []string{"sleep"}, Workspaces: []v1.WorkspaceUsage{{Name: "secret"}}}},
	}
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns"}, Spec: v1.TaskRunSpec{Workspaces: []v1.WorkspaceBinding{
		{Name: "secret", EmptyDir: &corev1.EmptyDirVolumeSource{}}, {Name: "src", EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}
	p, err := MakePod(PodInput{TaskRun: tr, Spec: spec, Config: nodeConfig()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(m.Name, "ws-") {
				got[c.Name] = append(got[c.Name], m.Name+"@"+m.MountPath)
			}
		}
	}
	want := map[string][]string{
		"step-fetch":    {WorkspaceVolumeName("secret") + "@/creds", WorkspaceVolumeName("src") + "@/workspace/src"},
		"step-build":    {WorkspaceVolumeName("src") + "@/workspace/src"},
		"sidecar-vault": {WorkspaceVolumeName("secret") + "@/workspace/secret", WorkspaceVolumeName("src") + "@/workspace/src"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("workspace mounts:\n got %v\nwant %v", got, want)
	}
}
