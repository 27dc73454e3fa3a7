package task

import (
	"context"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

const sleeper = `
spec:
  taskSpec:
    steps: [{name: sleep, image: alpine, script: "sleep 3600"}]
`

// startedPod creates a TaskRun and waits until its status names its pod.
func startedPod(t *testing.T, ns, name, extra string) *corev1.Pod {
	t.Helper()
	apply(t, ns, &v1.TaskRun{}, "metadata: {name: "+name+"}"+sleeper+extra)
	pod := waitForPod(t, ns, name+"-pod")
	setPodStatus(t, pod, corev1.PodRunning, running())
	eventually(t, "status names the pod", func() (bool, string) {
		tr := getTaskRun(t, ns, name)
		return tr.Status.PodName == pod.Name, "podName " + tr.Status.PodName
	})
	return pod
}

// TestDeletedPodFails: a pod deleted under a running TaskRun fails it as
// TaskRunPodDeleted and is not created again for the same attempt.
func TestDeletedPodFails(t *testing.T) {
	ns := newNamespace(t)
	pod := startedPod(t, ns, "deleted", "")
	if err := itest.client.Delete(context.Background(), pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	tr := waitForReason(t, ns, "deleted", ReasonPodDeleted)
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message, `pod "deleted-pod" was deleted before it finished`)
	if pods := podsOf(t, ns, "deleted"); len(pods) != 0 {
		t.Errorf("the attempt's pod was created again: %d pods", len(pods))
	}
}

// TestDeletedPodIsRetried: with retries left, the next attempt gets a new pod.
func TestDeletedPodIsRetried(t *testing.T) {
	ns := newNamespace(t)
	pod := startedPod(t, ns, "retried", "  retries: 1\n")
	if err := itest.client.Delete(context.Background(), pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	waitForPod(t, ns, resources.PodName("retried", 1))
	tr := getTaskRun(t, ns, "retried")
	if n := len(tr.Status.RetriesStatus); n != 1 {
		t.Fatalf("retriesStatus has %d attempts, want 1", n)
	}
	if got := tr.Status.RetriesStatus[0].GetCondition(apis.ConditionSucceeded).Reason; got != ReasonPodDeleted {
		t.Errorf("first attempt's reason = %q, want %q", got, ReasonPodDeleted)
	}
}

// TestEvictedPodFails: a pod that Kubernetes marks as a disruption target
// and deletes (the Eviction API, a drain) fails the TaskRun as PodEvicted
// as soon as its deletion starts.
func TestEvictedPodFails(t *testing.T) {
	ns := newNamespace(t)
	pod := startedPod(t, ns, "evicted", "")
	ctx := context.Background()
	// A finalizer keeps the pod terminating, as a kubelet would while it
	// stops the containers.
	patch := client.MergeFrom(pod.DeepCopy())
	pod.Finalizers = append(pod.Finalizers, "test.slipway.dev/hold")
	if err := itest.client.Patch(ctx, pod, patch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p := &corev1.Pod{}
		if itest.client.Get(ctx, client.ObjectKeyFromObject(pod), p) == nil {
			patch := client.MergeFrom(p.DeepCopy())
			p.Finalizers = nil
			_ = itest.client.Patch(ctx, p, patch)
		}
	})
	_ = itest.client.Get(ctx, client.ObjectKeyFromObject(pod), pod)
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
		Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting", LastTransitionTime: metav1.Now()})
	if err := itest.client.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if err := itest.client.Delete(ctx, pod); err != nil {
		t.Fatal(err)
	}
	tr := waitForReason(t, ns, "evicted", v1.TaskRunReasonPodEvicted.String())
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message,
		`pod "evicted-pod" was deleted before it finished: EvictionByEvictionAPI: Eviction API: evicting`)
}
