package task

import (
	"context"
	"fmt"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// TestHeldTaskRun (D25): a held TaskRun gets its pod at once, steps
// waiting on the release file, no deadline, no start time, and no slot of
// a concurrency limit; released, it starts, and its pod gets the values
// and its deadline.
func TestHeldTaskRun(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	setConfigKey(t, "concurrency-limits", fmt.Sprintf(
		"- {name: held-lane, kind: TaskRun, namespace: %s, max: 1, selector: {matchLabels: {lane: h}}}", ns))
	apply(t, ns, &v1.TaskRun{}, fmt.Sprintf(`
metadata: {name: held, labels: {lane: h}, annotations: {%q: up}}
spec:
  timeout: 1m
  params: [{name: x, value: %q}]
  taskSpec:
    params: [{name: x}]
    steps: [{name: s, image: busybox, script: "echo $(params.x)"}]
`, resources.AnnotationHeld, resources.HeldToken("x")))
	pod := waitForPod(t, ns, "held-pod")
	if pod.Spec.ActiveDeadlineSeconds != nil || pod.Annotations[resources.AnnotationHeldParams] != "x" {
		t.Errorf("held pod: deadline %v, annotations %v", pod.Spec.ActiveDeadlineSeconds, pod.Annotations)
	}
	tr := waitForReason(t, ns, "held", v1.TaskRunReasonPending.String())
	mustContain(t, "message", tr.Status.GetCondition("Succeeded").Message, "Waiting for pipeline tasks up to finish: pod held-pod started ahead")
	if tr.Status.StartTime != nil {
		t.Errorf("a held TaskRun has started: %v", tr.Status.StartTime)
	}
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: free, labels: {lane: h}}
spec:
  taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}
`)
	free := waitForPod(t, ns, "free-pod") // not queued behind the held one
	setPodStatus(t, free, corev1.PodSucceeded, terminated(0, entrypoint.Termination{Reason: entrypoint.ReasonCompleted}))
	waitForReason(t, ns, "free", v1.TaskRunReasonSuccessful.String())

	release := fmt.Sprintf(`{"metadata":{"annotations":{%q:null}},"spec":{"params":[{"name":"x","value":"hello"}]}}`, resources.AnnotationHeld)
	if err := itest.client.Patch(context.Background(), tr, client.RawPatch(types.MergePatchType, []byte(release))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pod's release", func() (bool, string) {
		p := &corev1.Pod{}
		err := itest.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "held-pod"}, p)
		pod = p
		return err == nil && p.Annotations[resources.AnnotationRelease] != "", fmt.Sprint(err)
	})
	if got, want := pod.Annotations[resources.AnnotationRelease], `{"@slipway-held:x@":"hello"}`; got != want {
		t.Errorf("release = %s, want %s", got, want)
	}
	if d := pod.Spec.ActiveDeadlineSeconds; d == nil || *d < 60 {
		t.Errorf("released pod's deadline = %v, want at least the 60 s timeout", d)
	}
	eventually(t, "the released TaskRun's start", func() (bool, string) {
		tr := getTaskRun(t, ns, "held")
		st := tr.Status.StartTime
		return st != nil && time.Since(st.Time) < time.Minute, fmt.Sprint(st)
	})
}
