package pipeline

import (
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

func TestChildPipelineRunView(t *testing.T) {
	now := &metav1.Time{}
	cond := func(status corev1.ConditionStatus, reason string) duckv1.Conditions {
		return duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason}}
	}
	cases := []struct {
		name       string
		spec       v1.PipelineRunSpecStatus
		conditions duckv1.Conditions
		wantReason string
		wantCancel bool
	}{
		{"running", "", cond(corev1.ConditionUnknown, "Running"), "Running", false},
		{"succeeded", "", cond(corev1.ConditionTrue, "Succeeded"), "Succeeded", false},
		{"failed", "", cond(corev1.ConditionFalse, "Failed"), "Failed", false},
		{"cancelled reads as a cancelled task", v1.PipelineRunSpecStatusCancelled, cond(corev1.ConditionFalse, "Cancelled"),
			v1.TaskRunReasonCancelled.String(), true},
		{"cancel asked, not confirmed yet", v1.PipelineRunSpecStatusCancelled, cond(corev1.ConditionUnknown, "Running"), "Running", true},
	}
	for _, tc := range cases {
		child := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "p-child", Namespace: "ns", Labels: map[string]string{"a": "b"}}}
		child.Spec.Status = tc.spec
		child.Status.Conditions = tc.conditions
		child.Status.StartTime, child.Status.CompletionTime = now, now
		tr := childPipelineRunView(child)
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		if c.Reason != tc.wantReason || (tr.Spec.Status == v1.TaskRunSpecStatusCancelled) != tc.wantCancel ||
			tr.Name != "p-child" || tr.Labels["a"] != "b" || tr.Status.StartTime != now {
			t.Errorf("%s: view reason %q cancelled %q, want %q %v", tc.name, c.Reason, tr.Spec.Status, tc.wantReason, tc.wantCancel)
		}
		if child.Status.Conditions[0].Reason != tc.conditions[0].Reason {
			t.Errorf("%s: the view changed the child's own condition", tc.name)
		}
	}
}
