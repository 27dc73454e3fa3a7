package pipeline

import (
	"fmt"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// bigRun is a PipelineRun of n tasks with its status as the reconciler
// writes it: the spec copy and one child reference per task.
func bigRun(n, descBytes int) *v1.PipelineRun {
	spec := &v1.PipelineSpec{Description: strings.Repeat("d", descBytes)}
	pr := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns"}}
	for i := range n {
		name := fmt.Sprintf("task-%04d", i)
		spec.Tasks = append(spec.Tasks, v1.PipelineTask{Name: name, TaskRef: &v1.TaskRef{Name: "build"},
			Params: v1.Params{{Name: "n", Value: *v1.NewStructuredValues(name)}}})
		pr.Status.ChildReferences = append(pr.Status.ChildReferences, v1.ChildStatusReference{
			TypeMeta: runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
			Name:     resources.TaskRunName("big", name, -1), PipelineTaskName: name})
	}
	pr.Spec.PipelineSpec = spec
	pr.Status.PipelineSpec = spec.DeepCopy()
	return pr
}

func TestFitStatus(t *testing.T) {
	t.Parallel()
	r := &Reconciler{clock: clocktesting.NewFakePassiveClock(metav1.Now().Time)}
	tests := []struct {
		name               string
		pr                 *v1.PipelineRun
		wantSpec, wantFail bool
	}{
		{name: "2,000 tasks fit, spec copy and all", pr: bigRun(2000, 0), wantSpec: true},
		{name: "a large embedded spec is stored once", pr: bigRun(200, 900_000)},
		{name: "too large even so: failed", pr: bigRun(12000, 0), wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := resources.ObjectSize(tc.pr)
			r.fitStatus(tc.pr)
			if (tc.pr.Status.PipelineSpec != nil) != tc.wantSpec {
				t.Errorf("status.pipelineSpec kept = %v, want %v (%d bytes)", tc.pr.Status.PipelineSpec != nil, tc.wantSpec, before)
			}
			c := tc.pr.Status.GetCondition(apis.ConditionSucceeded)
			if (c != nil && c.Reason == ReasonTooLarge) != tc.wantFail {
				t.Errorf("condition %v, want failed %v (%d bytes)", c, tc.wantFail, before)
			}
			t.Logf("%d bytes before, %d after", before, resources.ObjectSize(tc.pr))
		})
	}
}
