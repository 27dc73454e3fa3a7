package task

import (
	"fmt"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// benignWaiting are waiting reasons of a container that is simply starting.
var benignWaiting = map[string]bool{"": true, "PodInitializing": true, "ContainerCreating": true}

// condition is the Succeeded condition a pod implies.
func condition(pod *corev1.Pod, steps []v1.StepState, terms []*entrypoint.Termination) apis.Condition {
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue,
			Reason: v1.TaskRunReasonSuccessful.String(), Message: "All Steps have completed executing"}
	case corev1.PodFailed:
		return failed(failureReason(pod, steps), failureMessage(pod, steps, terms))
	}
	if stepsSucceeded(pod) {
		// The kubelet reports the pod Succeeded one status sync after its
		// containers (≈ 1 s, once it has torn the sandbox down): the verdict
		// need not wait for that (D25). A failure waits for the pod's
		// phase, which may add the pod's own reason (DeadlineExceeded).
		return apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue,
			Reason: v1.TaskRunReasonSuccessful.String(), Message: "All Steps have completed executing"}
	}
	if pod.Status.Phase == corev1.PodRunning {
		return ongoing(v1.TaskRunReasonRunning.String(), "Not all Steps in the Task have finished executing")
	}
	return ongoing(ReasonPending, pendingMessage(pod, steps))
}

func failureReason(pod *corev1.Pod, steps []v1.StepState) string {
	if i := failedStep(pod, steps); i >= 0 && steps[i].TerminationReason == entrypoint.ReasonResultsTooLarge {
		return v1.TaskRunReasonResultLargerThanAllowedLimit.String()
	}
	switch pod.Status.Reason {
	case "DeadlineExceeded":
		return v1.TaskRunReasonTimedOut.String()
	case "Evicted":
		return v1.TaskRunReasonPodEvicted.String()
	}
	return v1.TaskRunReasonFailed.String()
}

// failureMessage names the step that failed, with its exit code and the
// kubelet's or the shim's reason when they add something, then the pod's own
// reason (DeadlineExceeded, Evicted, ...).
func failureMessage(pod *corev1.Pod, steps []v1.StepState, terms []*entrypoint.Termination) string {
	msg := ""
	if i := failedStep(pod, steps); i >= 0 {
		msg = stepFailure(steps[i], terms[i])
	}
	if pod.Status.Reason != "" || pod.Status.Message != "" {
		podMsg := fmt.Sprintf("pod %q failed: %s", pod.Name, join(pod.Status.Reason, pod.Status.Message))
		if msg == "" {
			return podMsg
		}
		return msg + "; " + podMsg
	}
	if msg == "" {
		return fmt.Sprintf("pod %q failed", pod.Name)
	}
	return msg
}

// failedStep is the index of the first step whose container exited non-zero
// without being skipped, or -1.
func failedStep(pod *corev1.Pod, steps []v1.StepState) int {
	byName := statusByName(pod.Status.ContainerStatuses)
	for i, st := range steps {
		if st.Terminated == nil || st.TerminationReason == entrypoint.ReasonSkipped {
			continue
		}
		if cs, ok := byName[st.Container]; ok && cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0 {
			return i
		}
	}
	return -1
}

func stepFailure(st v1.StepState, term *entrypoint.Termination) string {
	name := st.Container
	if name == "" {
		name = st.Name
	}
	msg := fmt.Sprintf("%q exited with code %d", name, st.Terminated.ExitCode)
	reason := st.TerminationReason
	if reason == entrypoint.ReasonError || reason == entrypoint.ReasonCompleted {
		reason = ""
	}
	if reason == "" && st.Terminated.Reason != "Error" && st.Terminated.Reason != "Completed" {
		reason = st.Terminated.Reason // e.g. OOMKilled
	}
	if reason != "" {
		msg += " (" + reason + ")"
	}
	if term != nil && term.Message != "" {
		msg += ": " + term.Message
	}
	return msg
}

func pendingMessage(pod *corev1.Pod, steps []v1.StepState) string {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("pod %q is not scheduled: %s", pod.Name, join(c.Reason, c.Message))
		}
	}
	for _, st := range steps {
		if w := st.Waiting; w != nil && !benignWaiting[w.Reason] {
			return waitingMessage(st.Container, w)
		}
	}
	return fmt.Sprintf("pod %q is pending", pod.Name)
}

func waitingMessage(container string, w *corev1.ContainerStateWaiting) string {
	return fmt.Sprintf("%q is waiting: %s", container, join(w.Reason, w.Message))
}

func join(reason, msg string) string {
	switch {
	case reason == "":
		return msg
	case msg == "":
		return reason
	}
	return reason + ": " + msg
}

// stepsSucceeded reports whether every step container of pod has exited 0.
func stepsSucceeded(pod *corev1.Pod) bool {
	byName := statusByName(pod.Status.ContainerStatuses)
	steps := 0
	for _, c := range pod.Spec.Containers {
		if !strings.HasPrefix(c.Name, resources.StepPrefix) {
			continue
		}
		steps++
		cs, ok := byName[c.Name]
		if !ok || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			return false
		}
	}
	return steps > 0
}
