package archiver

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func pod(finalizer, deleting bool, phase corev1.PodPhase, states ...corev1.ContainerState) *corev1.Pod {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}}
	if finalizer {
		p.Finalizers = []string{resources.FinalizerLogArchive}
	}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{}
	}
	for i, s := range states {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses,
			corev1.ContainerStatus{Name: "step-" + string(rune('a'+i)), State: s})
	}
	return p
}

var (
	running    = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	terminated = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}
	waiting    = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}
)

func TestWantedAndAllStopped(t *testing.T) {
	cases := []struct {
		name          string
		pod           *corev1.Pod
		wanted, ended bool
	}{
		{"no finalizer", pod(false, false, corev1.PodSucceeded, terminated), false, true},
		{"pending", pod(true, false, corev1.PodPending, waiting), false, false},
		{"first step running", pod(true, false, corev1.PodRunning, running, waiting), false, false},
		{"a step ended, the next runs", pod(true, false, corev1.PodRunning, terminated, running), true, false},
		{"finished", pod(true, false, corev1.PodSucceeded, terminated, terminated), true, true},
		{"stopped (timeout, cancel)", pod(true, false, corev1.PodFailed, terminated, waiting), true, true},
		{"deleted while a step runs", pod(true, true, corev1.PodRunning, terminated, running), true, false},
		{"deleted, its steps killed", pod(true, true, corev1.PodRunning, terminated, terminated), true, true},
		{"deleted before it started", pod(true, true, corev1.PodPending, waiting), true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Wanted(tc.pod); got != tc.wanted {
				t.Errorf("Wanted = %v, want %v", got, tc.wanted)
			}
			if got := allStopped(tc.pod); got != tc.ended {
				t.Errorf("allStopped = %v, want %v", got, tc.ended)
			}
		})
	}
}
