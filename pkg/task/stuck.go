package task

import (
	"fmt"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// graces are how long a pod may be stuck in each way before its TaskRun
// fails; 0 fails at once, except for unschedulable where it waits for the
// TaskRun's own timeout.
type graces struct {
	// imagePull is Tekton's default-imagepullbackoff-timeout.
	imagePull time.Duration
	// createContainer covers a missing Secret or ConfigMap and other
	// container creation errors.
	createContainer time.Duration
	// unschedulable is slipway-config's pod-unschedulable-timeout.
	unschedulable time.Duration
}

// stuck is why a pod will not get going by itself.
type stuck struct {
	reason, message string
}

// waitingRule is what a kubelet waiting reason means for a TaskRun.
type waitingRule struct {
	reason v1.TaskRunReason
	// pull: the message is about an image; otherwise about starting.
	pull  bool
	grace func(graces) time.Duration
}

// waitingRules are the waiting reasons that do not clear by themselves
// (ErrImagePull is retried by the kubelet and becomes ImagePullBackOff).
var waitingRules = map[string]waitingRule{
	"ImagePullBackOff":           {reason: v1.TaskRunReasonImagePullFailed, pull: true, grace: func(g graces) time.Duration { return g.imagePull }},
	"InvalidImageName":           {reason: v1.TaskRunReasonImagePullFailed, pull: true, grace: never},
	"ErrImageNeverPull":          {reason: v1.TaskRunReasonImagePullFailed, pull: true, grace: never},
	"CreateContainerConfigError": {reason: v1.TaskRunReasonCreateContainerConfigError, grace: func(g graces) time.Duration { return g.createContainer }},
	"CreateContainerError":       {reason: v1.TaskRunReasonPodCreationFailed, grace: func(g graces) time.Duration { return g.createContainer }},
}

func never(graces) time.Duration { return 0 }

// stuckPod returns why pod is stuck for good. When it is stuck but within
// a grace, it returns nil and how long until the first grace ends.
func stuckPod(trName string, pod *corev1.Pod, g graces, now time.Time) (*stuck, time.Duration) {
	if s, wait := unschedulable(pod, g.unschedulable, now); s != nil || wait > 0 {
		return s, wait
	}
	since := startedAt(pod)
	var wait time.Duration
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range all {
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		rule, ok := waitingRules[w.Reason]
		if !ok || throttled(w) {
			continue
		}
		if left := since.Add(rule.grace(g)).Sub(now); left > 0 {
			wait = minPositive(wait, left)
			continue
		}
		return &stuck{reason: rule.reason.String(), message: stuckMessage(trName, cs, rule.pull)}, 0
	}
	return nil, wait
}

// throttled: the kubelet's own pull rate limit (registryPullQPS) refused
// the pull, not the registry; the kubelet retries, so it is not stuck.
// Tekton fails such a pod at once under a burst.
func throttled(w *corev1.ContainerStateWaiting) bool {
	return strings.Contains(w.Message, "pull QPS exceeded")
}

// stuckMessage is Tekton's message for a container that cannot start.
func stuckMessage(trName string, cs corev1.ContainerStatus, pull bool) string {
	kind, name := containerKind(cs.Name)
	if pull {
		return fmt.Sprintf(`the %s %q in TaskRun %q failed to pull the image %q. The pod errored with the message: "%s."`,
			kind, name, trName, cs.Image, cs.State.Waiting.Message)
	}
	return fmt.Sprintf(`the %s %q in TaskRun %q failed to start. The pod errored with the message: "%s."`,
		kind, name, trName, cs.State.Waiting.Message)
}

// unschedulable fails a pod the scheduler has refused for longer than
// grace (0: never), with the scheduler's last word.
func unschedulable(pod *corev1.Pod, grace time.Duration, now time.Time) (*stuck, time.Duration) {
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable || grace <= 0 {
			continue
		}
		if waitingForCapacity(c.Message) {
			return nil, 0 // a burst: the pod starts when others finish
		}
		if left := c.LastTransitionTime.Add(grace).Sub(now); left > 0 {
			return nil, left
		}
		return &stuck{reason: ReasonUnschedulable, message: fmt.Sprintf(
			"pod %q could not be scheduled for %s (slipway-config pod-unschedulable-timeout): %s", pod.Name, grace, c.Message)}, 0
	}
	return nil, 0
}

// waitingForCapacity reports whether the scheduler refused the pod only
// for want of room ("0/3 nodes are available: 2 Insufficient cpu, 1 Too
// many pods."): that clears as other pods finish, so only the run's own
// timeout bounds it. Anything else (a selector, a taint, a volume) needs
// a change from someone.
func waitingForCapacity(msg string) bool {
	_, rest, ok := strings.Cut(msg, "nodes are available: ")
	if !ok {
		return false
	}
	rest, _, _ = strings.Cut(rest, ". ")
	for _, part := range strings.Split(strings.TrimSuffix(rest, "."), ", ") {
		_, reason, _ := strings.Cut(strings.TrimSpace(part), " ")
		if reason != "Too many pods" && !strings.HasPrefix(reason, "Insufficient ") {
			return false
		}
	}
	return true
}

// startedAt is when the pod could start its containers (its sandbox was
// ready), or when it was created if the kubelet has not said.
func startedAt(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == "PodReadyToStartContainers" || c.Type == corev1.PodInitialized {
			if c.Status == corev1.ConditionTrue {
				return c.LastTransitionTime.Time
			}
		}
	}
	return pod.CreationTimestamp.Time
}

func minPositive(a, b time.Duration) time.Duration {
	if a <= 0 || b < a {
		return b
	}
	return a
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

// failStuckPod fails a TaskRun whose pod will not get going by itself and
// has the pod stopped once that is written, so the kubelet gives up too. It
// returns how long until a stuck pod's grace ends (0: none is waiting).
func (r *Reconciler) failStuckPod(rn *run, pod *corev1.Pod) time.Duration {
	if rn.tr.IsDone() {
		return 0
	}
	s, wait := stuckPod(rn.tr.Name, pod, graces{
		imagePull:       rn.cfg.ImagePullBackOffTimeout(),
		createContainer: rn.cfg.CreateContainerErrorTimeout(),
		unschedulable:   rn.cfg.PodUnschedulableTimeout,
	}, r.clock.Now())
	if s == nil {
		return wait
	}
	r.fail(rn.tr, s.reason, s.message)
	rn.stop = pod
	return 0
}
