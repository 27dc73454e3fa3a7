package resources

import (
	"strconv"
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
// ran, in order. From tr, the pod's TaskRun (nil if gone already), it takes
// the run's start (as the CLI orders live runs; else the first step's),
// which attempt the pod is (else from the pod's name) and the PipelineRun's
// UID. It is owned by nothing: it outlives the TaskRun on purpose.
func MakeLogArchive(pod *corev1.Pod, tr *v1.TaskRun, la LogArchive, ttl time.Duration, now time.Time) *slipwayv1alpha1.LogArchive {
	labels := map[string]string{LabelManagedBy: ManagedByValue}
	for _, k := range labelsKeptOnLogArchive {
		if v, ok := pod.Labels[k]; ok {
			labels[k] = v
		}
	}
	a := &slipwayv1alpha1.LogArchive{
		TypeMeta:   metav1.TypeMeta{APIVersion: slipwayv1alpha1.SchemeGroupVersion.String(), Kind: "LogArchive"},
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, Labels: labels},
		Spec: slipwayv1alpha1.LogArchiveSpec{
			PipelineRun: pod.Labels[LabelPipelineRun], PipelineTask: pod.Labels[LabelPipelineTask],
			Repository: la.Repository, Tag: pod.Name, Key: la.Key, Attempt: attemptOf(pod, tr),
		},
	}
	if owner := metav1.GetControllerOf(pod); owner != nil {
		a.Spec.TaskRun, a.Spec.TaskRunUID = owner.Name, owner.UID
	}
	a.Spec.Steps, a.Spec.StartTime, a.Spec.CompletionTime = stepsThatRan(pod)
	if tr != nil && tr.Status.StartTime != nil {
		a.Spec.StartTime = tr.Status.StartTime.DeepCopy()
	}
	if tr != nil {
		if owner := metav1.GetControllerOf(tr); owner != nil && owner.Kind == "PipelineRun" {
			a.Spec.PipelineRunUID = owner.UID
		}
	}
	if a.Spec.CompletionTime != nil {
		now = a.Spec.CompletionTime.Time
	}
	a.Annotations = map[string]string{slipwayv1alpha1.AnnotationExpires: now.Add(ttl).UTC().Format(time.RFC3339)}
	return a
}

// attemptOf is which attempt of tr pod is (0 the first): the retry whose
// pod it is in tr's status, else the number PodName put in its name.
func attemptOf(pod *corev1.Pod, tr *v1.TaskRun) int {
	if tr != nil {
		// RetriesStatus[i] is attempt i; the current one follows them.
		for i, rs := range tr.Status.RetriesStatus {
			if rs.PodName == pod.Name {
				return i
			}
		}
		if tr.Status.PodName == pod.Name {
			return len(tr.Status.RetriesStatus)
		}
	}
	i := strings.LastIndex(pod.Name, "-pod-retry")
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(pod.Name[i+len("-pod-retry"):])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// stepsThatRan returns pod's step containers that started, in order, when
// the first of them started and when the last of them stopped. A container
// reported terminated without a start time never ran (the kubelet says so
// of the containers of a pod stopped before they started).
func stepsThatRan(pod *corev1.Pod) (steps []slipwayv1alpha1.LogArchiveStep, first, last *metav1.Time) {
	state := map[string]corev1.ContainerState{}
	for _, s := range pod.Status.ContainerStatuses {
		state[s.Name] = s.State
	}
	for _, c := range pod.Spec.Containers {
		name, ok := strings.CutPrefix(c.Name, StepPrefix)
		st := state[c.Name]
		var started, stopped metav1.Time
		switch {
		case !ok:
			continue
		case st.Running != nil:
			started = st.Running.StartedAt
		case st.Terminated != nil:
			started, stopped = st.Terminated.StartedAt, st.Terminated.FinishedAt
		}
		if started.IsZero() {
			continue
		}
		steps = append(steps, slipwayv1alpha1.LogArchiveStep{Name: name, Container: c.Name})
		if first == nil || started.Before(first) {
			first = started.DeepCopy()
		}
		if !stopped.IsZero() && (last == nil || last.Before(&stopped)) {
			last = stopped.DeepCopy()
		}
	}
	return steps, first, last
}
