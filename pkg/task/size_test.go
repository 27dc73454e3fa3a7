package task

import (
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func TestFitStatus(t *testing.T) {
	t.Parallel()
	spec := func(n int) *v1.TaskSpec {
		return &v1.TaskSpec{Description: strings.Repeat("x", n), Steps: []v1.Step{{Name: "s", Image: "busybox"}}}
	}
	run := func(specBytes, resultBytes int) *v1.TaskRun {
		tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", Namespace: "ns"}}
		tr.Spec.TaskSpec = spec(specBytes)
		tr.Status.TaskSpec = spec(specBytes)
		tr.Status.PodName = "tr-pod"
		tr.Status.Results = []v1.TaskRunResult{{Name: "r", Value: *v1.NewStructuredValues(strings.Repeat("y", resultBytes))}}
		return tr
	}
	failed := func(tr *v1.TaskRun, reason, msg string) {
		tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: "False", Reason: reason, Message: msg})
	}
	tests := []struct {
		name               string
		tr                 *v1.TaskRun
		wantSpec, wantFail bool
	}{
		{name: "small: untouched", tr: run(1000, 1000), wantSpec: true},
		{name: "a large embedded spec is stored once", tr: run(800_000, 1000)},
		{name: "too large even so: failed, steps and results left out", tr: run(800_000, 900_000), wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fitStatus(tc.tr, failed)
			if (tc.tr.Status.TaskSpec != nil) != tc.wantSpec {
				t.Errorf("status.taskSpec kept = %v, want %v", tc.tr.Status.TaskSpec != nil, tc.wantSpec)
			}
			c := tc.tr.Status.GetCondition(apis.ConditionSucceeded)
			if (c != nil && c.Reason == ReasonTooLarge) != tc.wantFail {
				t.Errorf("condition %v, want failed %v", c, tc.wantFail)
			}
			if n := resources.ObjectSize(tc.tr); n > resources.MaxObjectBytes && !tc.wantFail {
				t.Errorf("still %d bytes", n)
			}
		})
	}
}
