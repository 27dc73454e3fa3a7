package task

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestImagePullFailure(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	pod := func(reason string, readyAgo time.Duration) *corev1.Pod {
		p := &corev1.Pod{Status: corev1.PodStatus{
			Conditions: []corev1.PodCondition{{Type: "PodReadyToStartContainers", Status: corev1.ConditionTrue,
				LastTransitionTime: metav1.NewTime(now.Add(-readyAgo))}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "step-ok", Image: "busybox", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				{Name: "step-build", Image: "reg/none:v1", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason: reason, Message: "Back-off pulling image \"reg/none:v1\""}}},
			}}}
		return p
	}
	want := `the step "build" in TaskRun "tr" failed to pull the image "reg/none:v1". The pod errored with the message: "Back-off pulling image "reg/none:v1"."`
	tests := []struct {
		name    string
		pod     *corev1.Pod
		timeout time.Duration
		want    string
	}{
		{name: "backoff, no timeout", pod: pod("ImagePullBackOff", time.Second), want: want},
		{name: "first pull error is retried", pod: pod("ErrImagePull", time.Second)},
		{name: "within the timeout", pod: pod("ImagePullBackOff", time.Minute), timeout: 5 * time.Minute},
		{name: "past the timeout", pod: pod("ImagePullBackOff", 6*time.Minute), timeout: 5 * time.Minute, want: want},
		{name: "starting", pod: pod("ContainerCreating", time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := imagePullFailure("tr", tc.pod, tc.timeout, now)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("imagePullFailure = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}
