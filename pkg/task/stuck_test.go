package task

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStuckPod(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }
	waitingPod := func(reason, msg string, readyAgo time.Duration) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{
			Conditions: []corev1.PodCondition{{Type: "PodReadyToStartContainers", Status: corev1.ConditionTrue, LastTransitionTime: ago(readyAgo)}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "step-ok", Image: "busybox", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				{Name: "step-build", Image: "reg/none:v1", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}},
			}}}
	}
	unschedulableBecause := func(msg string, since time.Duration) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "tr-pod"}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: msg, LastTransitionTime: ago(since)}}}}
	}
	unschedulablePod := func(since time.Duration) *corev1.Pod {
		return unschedulableBecause("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.", since)
	}
	pull := `the step "build" in TaskRun "tr" failed to pull the image "reg/none:v1". The pod errored with the message: "Back-off pulling image."`
	secret := `the step "build" in TaskRun "tr" failed to start. The pod errored with the message: "secret "nope" not found."`
	g := graces{createContainer: 10 * time.Second, unschedulable: 5 * time.Minute}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		graces   graces
		want     *stuck
		wantWait time.Duration
	}{
		{name: "image backoff, no timeout", pod: waitingPod("ImagePullBackOff", "Back-off pulling image", time.Second), graces: g,
			want: &stuck{reason: "TaskRunImagePullFailed", message: pull}},
		{name: "the kubelet's own pull throttle is retried", pod: waitingPod("ImagePullBackOff", `Back-off pulling image "busybox": pull QPS exceeded`, time.Minute), graces: g},
		{name: "first pull error is retried", pod: waitingPod("ErrImagePull", "x", time.Second), graces: g},
		{name: "image backoff within its timeout", pod: waitingPod("ImagePullBackOff", "x", time.Minute),
			graces: graces{imagePull: 5 * time.Minute}, wantWait: 4 * time.Minute},
		{name: "image backoff past its timeout", pod: waitingPod("ImagePullBackOff", "Back-off pulling image", 6*time.Minute),
			graces: graces{imagePull: 5 * time.Minute}, want: &stuck{reason: "TaskRunImagePullFailed", message: pull}},
		{name: "invalid image name fails at once", pod: waitingPod("InvalidImageName", "Back-off pulling image", 0), graces: g,
			want: &stuck{reason: "TaskRunImagePullFailed", message: pull}},
		{name: "missing secret within the grace", pod: waitingPod("CreateContainerConfigError", `secret "nope" not found`, 3*time.Second),
			graces: g, wantWait: 7 * time.Second},
		{name: "missing secret past the grace", pod: waitingPod("CreateContainerConfigError", `secret "nope" not found`, 11*time.Second),
			graces: g, want: &stuck{reason: "CreateContainerConfigError", message: secret}},
		{name: "create container error past the grace", pod: waitingPod("CreateContainerError", `secret "nope" not found`, time.Minute),
			graces: g, want: &stuck{reason: "PodCreationFailed", message: secret}},
		{name: "starting", pod: waitingPod("ContainerCreating", "", time.Hour), graces: g},
		{name: "unschedulable within the grace", pod: unschedulablePod(time.Minute), graces: g, wantWait: 4 * time.Minute},
		{name: "unschedulable past the grace", pod: unschedulablePod(6 * time.Minute), graces: g, want: &stuck{reason: "TaskRunUnschedulable",
			message: `pod "tr-pod" could not be scheduled for 5m0s (slipway-config pod-unschedulable-timeout): 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.`}},
		{name: "waiting for room is not stuck", graces: g, pod: unschedulableBecause(
			"0/3 nodes are available: 2 Insufficient cpu, 1 Too many pods. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", time.Hour)},
		{name: "room and a selector: stuck", graces: g, want: &stuck{reason: "TaskRunUnschedulable",
			message: `pod "tr-pod" could not be scheduled for 5m0s (slipway-config pod-unschedulable-timeout): 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {x: y}.`},
			pod: unschedulableBecause("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {x: y}.", time.Hour)},
		{name: "unschedulable, no grace set: waits for the timeout", pod: unschedulablePod(time.Hour), graces: graces{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, wait := stuckPod("tr", tc.pod, tc.graces, now)
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(stuck{})); d != "" || wait != tc.wantWait {
				t.Errorf("stuckPod wait %s (want %s), verdict (-want +got):\n%s", wait, tc.wantWait, d)
			}
		})
	}
}

func TestDeletionVerdict(t *testing.T) {
	t.Parallel()
	pod := func(reason string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
		if reason != "" {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: reason, Message: "why"}}
		}
		return p
	}
	tests := []struct{ condition, reason, message string }{
		{"", "TaskRunPodDeleted", `pod "p" was deleted before it finished`},
		{"EvictionByEvictionAPI", "PodEvicted", `pod "p" was deleted before it finished: EvictionByEvictionAPI: why`},
		{"TerminationByKubelet", "PodEvicted", `pod "p" was deleted before it finished: TerminationByKubelet: why`},
		{"DeletionByPodGC", "TaskRunPodLost", `pod "p" was deleted before it finished: DeletionByPodGC: why`},
		{"DeletionByTaintManager", "TaskRunPodLost", `pod "p" was deleted before it finished: DeletionByTaintManager: why`},
		{"SomethingNew", "TaskRunPodDeleted", `pod "p" was deleted before it finished`},
	}
	for _, tc := range tests {
		t.Run(tc.condition, func(t *testing.T) {
			t.Parallel()
			reason, msg := deletionVerdict(pod(tc.condition))
			if reason != tc.reason || msg != tc.message {
				t.Errorf("deletionVerdict = %q, %q; want %q, %q", reason, msg, tc.reason, tc.message)
			}
		})
	}
}
