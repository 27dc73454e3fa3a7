package task

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// disruptionReasons map the reason of the DisruptionTarget condition that
// Kubernetes sets on a pod it is about to delete to the TaskRun's reason.
var disruptionReasons = map[string]string{
	"EvictionByEvictionAPI":  v1.TaskRunReasonPodEvicted.String(), // kubectl drain, the Eviction API
	"TerminationByKubelet":   v1.TaskRunReasonPodEvicted.String(), // node pressure, node shutdown
	"PreemptionByScheduler":  v1.TaskRunReasonPodEvicted.String(),
	"DeletionByTaintManager": ReasonPodLost, // node unreachable or NoExecute taint
	"DeletionByPodGC":        ReasonPodLost, // node gone
}

// deletionVerdict is the verdict on an unfinished pod that is being deleted:
// evicted, lost with its node, or deleted by someone.
func deletionVerdict(pod *corev1.Pod) (reason, message string) {
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.DisruptionTarget || c.Status != corev1.ConditionTrue {
			continue
		}
		if r, ok := disruptionReasons[c.Reason]; ok {
			return r, fmt.Sprintf("pod %q was deleted before it finished: %s", pod.Name, join(c.Reason, c.Message))
		}
	}
	return ReasonPodDeleted, fmt.Sprintf("pod %q was deleted before it finished", pod.Name)
}

// failLostPod fails a TaskRun whose attempt's pod is being deleted or is
// gone before it finished, instead of creating the same pod again (which
// would run the steps a second time for one attempt). A retry, if the
// TaskRun has any left, gets a new pod. It reports whether it failed tr.
func (r *Reconciler) failLostPod(ctx context.Context, rn *run) (bool, error) {
	tr := rn.tr
	if tr.IsDone() {
		return false, nil
	}
	if p := rn.cached; p != nil {
		if p.DeletionTimestamp == nil || podFinished(p) || !metav1.IsControlledBy(p, tr) {
			return false, nil
		}
		reason, msg := deletionVerdict(p)
		r.fail(tr, reason, msg)
		return true, nil
	}
	if tr.Status.PodName == "" || tr.Status.PodName != attemptPodKey(tr).Name {
		return false, nil // not created yet, as far as the status knows
	}
	pod, err := r.currentPod(ctx, tr)
	if err != nil || pod != nil {
		rn.cached = pod // the cache lagged
		return false, err
	}
	r.fail(tr, ReasonPodDeleted, fmt.Sprintf("pod %q was deleted before it finished", tr.Status.PodName))
	return true, nil
}
