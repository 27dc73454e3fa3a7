package resources

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
)

func TestMakeLogArchive(t *testing.T) {
	t.Parallel()
	at := func(s int) metav1.Time { return metav1.NewTime(time.Date(2026, 12, 3, 10, 0, s, 0, time.UTC)) }
	now := at(59).Time
	stopped := func(from, to int) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{StartedAt: at(from), FinishedAt: at(to)}}
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at(5)}}
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}
	pod := func(states ...corev1.ContainerState) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "tr-pod", Namespace: "ns",
			Labels: map[string]string{LabelTaskRun: "tr", LabelPipelineRun: "pr", LabelPipelineTask: "build",
				LabelPipeline: "ci", "team": "a"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "TaskRun", Name: "tr", UID: "u1", Controller: ptr(true)}}}}
		p.Spec.Containers = []corev1.Container{{Name: "step-a"}, {Name: "step-b"}, {Name: "sidecar-x"}}
		for i, s := range states {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: p.Spec.Containers[i].Name, State: s})
		}
		return p
	}
	started := &v1.TaskRun{}
	started.Status.StartTime = ptr(at(1))
	both := []slipwayv1alpha1.LogArchiveStep{{Name: "a", Container: "step-a"}, {Name: "b", Container: "step-b"}}
	for _, tc := range []struct {
		name          string
		pod           *corev1.Pod
		tr            *v1.TaskRun
		steps         []slipwayv1alpha1.LogArchiveStep
		start, expire string
	}{
		{"both steps ran, the TaskRun gone", pod(stopped(3, 10), stopped(10, 20), stopped(2, 30)), nil,
			both, "10:00:03", "2026-12-03T11:00:20Z"},
		{"the TaskRun's start wins", pod(stopped(3, 10), stopped(10, 20)), started, both, "10:00:01", "2026-12-03T11:00:20Z"},
		{"the second never started", pod(stopped(3, 10), waiting), nil, both[:1], "10:00:03", "2026-12-03T11:00:10Z"},
		{"a step still running (pod deleted)", pod(stopped(3, 4), running), nil, both, "10:00:03", "2026-12-03T11:00:04Z"},
		{"nothing stopped: from now", pod(running), nil, both[:1], "10:00:05", "2026-12-03T11:00:59Z"},
		{"a step reported stopped that never started", pod(stopped(3, 10), corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137}}),
			nil, both[:1], "10:00:03", "2026-12-03T11:00:10Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := MakeLogArchive(tc.pod, tc.tr, LogArchive{Repository: "reg/logs/ns/tr", Key: "K"}, time.Hour, now)
			wantLabels := map[string]string{LabelTaskRun: "tr", LabelPipelineRun: "pr", LabelPipelineTask: "build",
				LabelPipeline: "ci", LabelManagedBy: ManagedByValue}
			if diff := cmp.Diff(wantLabels, a.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.steps, a.Spec.Steps); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			got := []string{a.Name, a.Spec.TaskRun, string(a.Spec.TaskRunUID), a.Spec.PipelineRun, a.Spec.PipelineTask,
				a.Spec.Repository, a.Spec.Tag, a.Spec.Key, a.Spec.StartTime.Format("15:04:05"), a.Annotations[slipwayv1alpha1.AnnotationExpires]}
			want := []string{"tr-pod", "tr", "u1", "pr", "build", "reg/logs/ns/tr", "tr-pod", "K", tc.start, tc.expire}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if e := slipwayv1alpha1.ExpiresOf(a).UTC().Format(time.RFC3339); e != tc.expire {
				t.Errorf("ExpiresOf = %s, want %s", e, tc.expire)
			}
			if len(a.OwnerReferences) != 0 {
				t.Errorf("owned by %v: it must outlive the TaskRun", a.OwnerReferences)
			}
		})
	}
}

func TestLogArchiveAttemptAndPipelineRun(t *testing.T) {
	t.Parallel()
	tr := func(pod string, retries ...string) *v1.TaskRun {
		r := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: "tr", OwnerReferences: []metav1.OwnerReference{
			{Kind: "PipelineRun", Name: "pr", UID: "pr-uid", Controller: ptr(true)}}}}
		r.Status.PodName = pod
		for _, p := range retries {
			r.Status.RetriesStatus = append(r.Status.RetriesStatus, v1.TaskRunStatus{TaskRunStatusFields: v1.TaskRunStatusFields{PodName: p}})
		}
		return r
	}
	for _, tc := range []struct {
		name, pod string
		tr        *v1.TaskRun
		attempt   int
		prUID     string
	}{
		{"the first, gone", "tr-pod", nil, 0, ""},
		{"a retry, gone: from its name", "tr-pod-retry12", nil, 12, ""},
		{"a hashed name, gone", "a-very-long-name-4f2c1", nil, 0, ""},
		{"the current attempt", "x-3b1e", tr("x-3b1e", "x-9d0f", "x-11aa"), 2, "pr-uid"},
		{"the first of three", "x-9d0f", tr("x-3b1e", "x-9d0f", "x-11aa"), 0, "pr-uid"},
		{"the second of three", "x-11aa", tr("x-3b1e", "x-9d0f", "x-11aa"), 1, "pr-uid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: tc.pod}}
			a := MakeLogArchive(p, tc.tr, LogArchive{}, time.Hour, time.Now())
			if a.Spec.Attempt != tc.attempt || string(a.Spec.PipelineRunUID) != tc.prUID {
				t.Errorf("attempt %d, PipelineRun UID %q; want %d, %q", a.Spec.Attempt, a.Spec.PipelineRunUID, tc.attempt, tc.prUID)
			}
		})
	}
}
