package resources

import (
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
)

// labelsKeptOnLogArchive are the pod labels a LogArchive carries, so that
// the logs of a deleted run can be found by its name (D28).
var labelsKeptOnLogArchive = []string{LabelTaskRun, LabelTaskRunUID, LabelTask, LabelPipelineRun, LabelPipelineTask, LabelPipeline}

// MakeLogArchive returns the LogArchive that keeps the archived logs of
// pod's attempt readable, archived at la, for ttl after the attempt's last
// step stopped (after now if none did). It names the attempt's steps that
// ran, in order, and starts when tr (the pod's TaskRun, nil if gone
// already) started, as the CLI orders live runs, else when its first step
// did. It is owned by nothing: it outlives the TaskRun on purpose.
func MakeLogArchive(pod *corev1.Pod, tr *v1.TaskRun, la LogArchive, ttl time.Duration, now time.Time) *slipwayv1alpha1.LogArchive {
	labels := map[string]string{LabelManagedBy: ManagedByValue}
	for _, k := range labelsKeptOnLogArchive {
		if v, ok := pod.Labels[k]; ok {
			labels[k] = v
		}
	}
	a := &slipwayv1alpha1.LogArchive{
		TypeMeta: metav1.TypeMeta{APIVersion: slipwayv1alpha1.SchemeGroupVersion.String(), Kind: "LogArchive"},
		ObjectMeta: metav1.ObjectMeta{
			Name: pod.Name, Namespace: pod.Namespace, Labels: labels,
		},
		Spec: slipwayv1alpha1.LogArchiveSpec{
			PipelineRun: pod.Labels[LabelPipelineRun], PipelineTask: pod.Labels[LabelPipelineTask],
			Repository: la.Repository, Tag: pod.Name, Key: la.Key,
		},
	}
	if owner := metav1.GetControllerOf(pod); owner != nil {
		a.Spec.TaskRun, a.Spec.TaskRunUID = owner.Name, owner.UID
	}
	a.Spec.Steps, a.Spec.StartTime, a.Spec.CompletionTime = stepsThatRan(pod)
	if tr != nil && tr.Status.StartTime != nil {
		a.Spec.StartTime = tr.Status.StartTime.DeepCopy()
	}
	if a.Spec.CompletionTime != nil {
		now = a.Spec.CompletionTime.Time
	}
	a.Annotations = map[string]string{slipwayv1alpha1.AnnotationExpires: now.Add(ttl).UTC().Format(time.RFC3339)}
	return a
}

// stepsThatRan returns pod's step containers that started, in order, when
// the first of them started and when the last of them stopped.
func stepsThatRan(pod *corev1.Pod) (steps []slipwayv1alpha1.LogArchiveStep, first, last *metav1.Time) {
	state := map[string]corev1.ContainerState{}
	for _, s := range pod.Status.ContainerStatuses {
		state[s.Name] = s.State
	}
	for _, c := range pod.Spec.Containers {
		name, ok := strings.CutPrefix(c.Name, StepPrefix)
		st := state[c.Name]
		if !ok || (st.Running == nil && st.Terminated == nil) {
			continue
		}
		steps = append(steps, slipwayv1alpha1.LogArchiveStep{Name: name, Container: c.Name})
		started := st.Terminated
		if started == nil {
			started = &corev1.ContainerStateTerminated{StartedAt: st.Running.StartedAt}
		} else if last == nil || last.Before(&started.FinishedAt) {
			last = started.FinishedAt.DeepCopy()
		}
		if first == nil || started.StartedAt.Before(first) {
			first = started.StartedAt.DeepCopy()
		}
	}
	return steps, first, last
}
