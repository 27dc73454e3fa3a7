package task

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

func TestTrimDone(t *testing.T) {
	t.Parallel()
	full := func(status corev1.ConditionStatus) *v1.TaskRun {
		return &v1.TaskRun{
			ObjectMeta: metav1.ObjectMeta{Name: "tr", Annotations: map[string]string{
				"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"}},
			Spec: v1.TaskRunSpec{TaskSpec: &v1.TaskSpec{Steps: []v1.Step{{Name: "s"}}}, Status: v1.TaskRunSpecStatusCancelled},
			Status: v1.TaskRunStatus{
				Status: duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status}}},
				TaskRunStatusFields: v1.TaskRunStatusFields{
					PodName:  "tr-pod",
					TaskSpec: &v1.TaskSpec{Steps: []v1.Step{{Name: "s"}}},
					Steps:    []v1.StepState{{Name: "s"}},
					Results:  []v1.TaskRunResult{{Name: "r", Value: *v1.NewStructuredValues("v")}},
				},
			},
		}
	}
	tests := []struct {
		name string
		in   any
		want any
	}{
		{name: "running TaskRun is untouched", in: full(corev1.ConditionUnknown), want: full(corev1.ConditionUnknown)},
		{name: "done TaskRun keeps what reconcilers read", in: full(corev1.ConditionTrue), want: func() *v1.TaskRun {
			tr := full(corev1.ConditionTrue)
			tr.Spec.TaskSpec, tr.Status.TaskSpec, tr.Status.Steps = nil, nil, nil
			delete(tr.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
			return tr
		}()},
		{name: "other objects pass", in: &corev1.Pod{}, want: &corev1.Pod{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := TrimDone(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrimServiceAccount(t *testing.T) {
	sa := &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "builder", Namespace: "ci", UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"big": strings.Repeat("x", 100)}},
		Secrets:          []corev1.ObjectReference{{Name: "git"}},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "pull"}},
	}
	got, err := TrimServiceAccount(sa)
	if err != nil {
		t.Fatal(err)
	}
	want := &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "builder", Namespace: "ci", UID: "u1", ResourceVersion: "7"},
		Secrets:    []corev1.ObjectReference{{Name: "git"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trimmed ServiceAccount (-want +got):\n%s", diff)
	}
	pod := &corev1.Pod{}
	if got, _ := TrimServiceAccount(pod); got != pod {
		t.Errorf("a pod was changed")
	}
}
