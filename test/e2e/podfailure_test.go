//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestTaskRunMissingSecret: a step whose env names a Secret that does not
// exist fails after the short grace, with the kubelet's words naming it.
func TestTaskRunMissingSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: no-secret}
spec:
  taskSpec:
    steps:
    - name: use
      image: busybox
      script: "echo $TOKEN"
      env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: nope, key: token}}}]
`, &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("no-secret", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "CreateContainerConfigError")
	want := `the step "use" in TaskRun "no-secret" failed to start. The pod errored with the message: "secret "nope" not found."`
	if c.Message != want {
		t.Errorf("message = %q, want %q", c.Message, want)
	}
}

// runningPod waits until the TaskRun's status names a running pod.
func (e *env) runningPod(tr string) *corev1.Pod {
	e.t.Helper()
	var pod *corev1.Pod
	e.waitFor("a running pod for "+tr, 2*time.Minute, func(ctx context.Context) (bool, error) {
		var run pipelinev1.TaskRun
		if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: tr}, &run); err != nil || run.Status.PodName == "" {
			return false, client.IgnoreNotFound(err)
		}
		var p corev1.Pod
		if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: run.Status.PodName}, &p); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		pod = &p
		return p.Status.Phase == corev1.PodRunning, nil
	})
	return pod
}

// TestTaskRunPodDeletedIsRetried: deleting a running TaskRun's pod fails
// the attempt as TaskRunPodDeleted; with a retry left, a new pod runs the
// steps again and the TaskRun succeeds.
func TestTaskRunPodDeletedIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: deleted}
spec:
  retries: 1
  taskSpec:
    steps:
    - name: work
      image: busybox
      script: |
        if [ "$(context.task.retry-count)" = "0" ]; then sleep 300; fi
        echo second attempt
`, &pipelinev1.TaskRun{})
	pod := e.runningPod("deleted")
	if err := e.c.Delete(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	got := e.waitTaskRunDone("deleted", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.RetriesStatus) != 1 {
		t.Fatalf("retriesStatus: %s", e.dump(got.Status.RetriesStatus))
	}
	first := got.Status.RetriesStatus[0].GetCondition(apis.ConditionSucceeded)
	wantCondition(t, first, corev1.ConditionFalse, "TaskRunPodDeleted")
	if got.Status.PodName == pod.Name {
		t.Errorf("the second attempt reused pod %s", pod.Name)
	}
}

// TestTaskRunPodEvicted: a pod evicted through the Eviction API (what
// kubectl drain does) fails its TaskRun as PodEvicted at once.
func TestTaskRunPodEvicted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: evicted}
spec:
  taskSpec:
    steps: [{name: work, image: busybox, script: "sleep 300"}]
`, &pipelinev1.TaskRun{})
	pod := e.runningPod("evicted")
	err := e.kube.CoreV1().Pods(e.ns).EvictV1(context.Background(), &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: e.ns}})
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitTaskRunDone("evicted", time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "PodEvicted")
	if !strings.Contains(c.Message, "EvictionByEvictionAPI") {
		t.Errorf("message %q does not say how the pod went", c.Message)
	}
}

// TestTaskRunUnschedulable: the scheduler's message is in the Pending
// condition at once, and the TaskRun fails after pod-unschedulable-timeout.
// Not parallel: it shortens the grace in slipway-config for its duration.
func TestTaskRunUnschedulable(t *testing.T) {
	e := newEnv(t)
	e.setConfig("pod-unschedulable-timeout", "10s")
	e.apply(`
metadata: {name: nowhere}
spec:
  podTemplate: {nodeSelector: {slipway.dev/no-such-node: "true"}}
  taskSpec:
    steps: [{name: work, image: busybox, script: "true"}]
`, &pipelinev1.TaskRun{})
	e.waitFor("the scheduler's message in the condition", time.Minute, func(ctx context.Context) (bool, error) {
		var tr pipelinev1.TaskRun
		if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "nowhere"}, &tr); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		return c != nil && c.IsUnknown() && strings.Contains(c.Message, "didn't match Pod's node affinity/selector"), nil
	})
	got := e.waitTaskRunDone("nowhere", time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "TaskRunUnschedulable")
	if !strings.Contains(c.Message, "could not be scheduled for 10s") {
		t.Errorf("message = %q", c.Message)
	}
}

// setConfig sets a key of slipway-config for the rest of the test.
func (e *env) setConfig(key, value string) {
	e.t.Helper()
	ctx := context.Background()
	var cm corev1.ConfigMap
	nn := types.NamespacedName{Namespace: "slipway", Name: "slipway-config"}
	if err := e.c.Get(ctx, nn, &cm); err != nil {
		e.t.Fatal(err)
	}
	old, had := cm.Data[key]
	patch := client.MergeFrom(cm.DeepCopy())
	cm.Data[key] = value
	if err := e.c.Patch(ctx, &cm, patch); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		var cur corev1.ConfigMap
		if err := e.c.Get(ctx, nn, &cur); err != nil {
			e.t.Error(err)
			return
		}
		patch := client.MergeFrom(cur.DeepCopy())
		if had {
			cur.Data[key] = old
		} else {
			delete(cur.Data, key)
		}
		if err := e.c.Patch(ctx, &cur, patch); err != nil {
			e.t.Error(err)
		}
	})
}
