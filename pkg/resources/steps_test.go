package resources

import (
	"fmt"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
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
