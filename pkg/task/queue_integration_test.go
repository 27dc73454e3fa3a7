package task

import (
	"fmt"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// TestTaskRunConcurrencyLimit: under a TaskRun limit of 1, the second
// TaskRun waits as TaskRunPending with its place in the queue and gets its
// pod when the first is done; under cancel-newest a third is cancelled at
// once.
func TestTaskRunConcurrencyLimit(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	limits := fmt.Sprintf(`
- {name: one, kind: TaskRun, namespace: %[1]s, max: 1, selector: {matchLabels: {lane: a}}}
- {name: solo, kind: TaskRun, namespace: %[1]s, max: 1, strategy: cancel-newest, selector: {matchLabels: {lane: b}}}
`, ns)
	setConfigKey(t, "concurrency-limits", limits)
	run := func(name, lane string) {
		apply(t, ns, &v1.TaskRun{}, fmt.Sprintf(`
metadata: {name: %s, labels: {lane: %s}}
spec:
  taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}
`, name, lane))
	}
	run("first", "a")
	pod := waitForPod(t, ns, "first-pod")
	run("second", "a")
	tr := waitForReason(t, ns, "second", v1.TaskRunReasonPending.String())
	mustContain(t, "message", tr.Status.GetCondition("Succeeded").Message, `concurrency limit "one" allows 1 at once and 1 are running; position 1 of 1 waiting`)
	if n := len(podsOf(t, ns, "second")); n != 0 {
		t.Fatalf("the waiting TaskRun has %d pods", n)
	}
	setPodStatus(t, pod, corev1.PodSucceeded, terminated(0, entrypoint.Termination{Reason: entrypoint.ReasonCompleted}))
	waitForReason(t, ns, "first", v1.TaskRunReasonSuccessful.String())
	waitForPod(t, ns, "second-pod")

	run("b1", "b")
	waitForPod(t, ns, "b1-pod")
	run("b2", "b")
	tr = waitForReason(t, ns, "b2", v1.TaskRunReasonCancelled.String())
	mustContain(t, "message", tr.Status.GetCondition("Succeeded").Message, `cancelled at once: concurrency limit "solo" allows 1`)
}
