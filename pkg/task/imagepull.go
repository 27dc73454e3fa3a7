package task

import (
	"fmt"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// imagePullBackOff is the kubelet's waiting reason of a container whose
// image pull failed and is retried with backoff.
const imagePullBackOff = "ImagePullBackOff"

// imagePullFailure returns Tekton's message for the first container of pod
// that has been in ImagePullBackOff for longer than timeout (Tekton's
// default-imagepullbackoff-timeout; 0, its default, fails at the first
// backoff), counted from when the pod was ready to start containers.
func imagePullFailure(trName string, pod *corev1.Pod, timeout time.Duration, now time.Time) (string, bool) {
	if timeout > 0 {
		since, ok := readyToStart(pod)
		if !ok || now.Sub(since) < timeout {
			return "", false
		}
	}
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range all {
		w := cs.State.Waiting
		if w == nil || w.Reason != imagePullBackOff {
			continue
		}
		kind, name := containerKind(cs.Name)
		return fmt.Sprintf(`the %s %q in TaskRun %q failed to pull the image %q. The pod errored with the message: "%s."`,
			kind, name, trName, cs.Image, w.Message), true
	}
	return "", false
}

// readyToStart is when the pod could start its containers.
func readyToStart(pod *corev1.Pod) (time.Time, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == "PodReadyToStartContainers" || c.Type == corev1.PodInitialized {
			if c.Status == corev1.ConditionTrue {
				return c.LastTransitionTime.Time, true
			}
		}
	}
	return time.Time{}, false
}

// containerKind splits a container name into Tekton's kind and name.
func containerKind(container string) (string, string) {
	if name, ok := strings.CutPrefix(container, "step-"); ok {
		return "step", name
	}
	if name, ok := strings.CutPrefix(container, "sidecar-"); ok {
		return "sidecar", name
	}
	return "container", container
}

// failImagePull fails a TaskRun whose pod cannot pull an image, and stops
// the pod so that the kubelet gives up too.
func (r *Reconciler) failImagePull(rn *run, pod *corev1.Pod) bool {
	msg, ok := imagePullFailure(rn.tr.Name, pod, rn.cfg.ImagePullBackOffTimeout(), r.clock.Now())
	if !ok {
		return false
	}
	r.fail(rn.tr, v1.TaskRunReasonImagePullFailed.String(), msg)
	return true
}
