//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// checkDebugBreakpoint (alpha, from TestFeatureFlagsLive): a TaskRun with
// debug.breakpoints.onFailure pauses at its failed step; Tekton's
// debug-continue, run in the step's container, lets it go on as if it had
// succeeded, and the next step runs.
func (e *env) checkDebugBreakpoint() {
	e.t.Helper()
	e.apply(`
metadata: {name: debug}
spec:
  debug: {breakpoints: {onFailure: enabled}}
  taskSpec:
    steps:
    - {name: fail, image: busybox, script: "echo failing; exit 3"}
    - {name: after, image: busybox, script: "echo after ran"}
`, &pipelinev1.TaskRun{})
	e.waitFor("the failed step to pause", 2*time.Minute, func(ctx context.Context) (bool, error) {
		pod := &corev1.Pod{}
		if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "debug-pod"}, pod); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return pod.Status.Phase == corev1.PodRunning && strings.Contains(e.logs("debug-pod", "step-fail"), "paused after failing"), nil
	})
	cmd := exec.Command("kubectl", "exec", "-n", e.ns, "debug-pod", "-c", "step-fail", "--", "/tekton/debug/scripts/debug-continue")
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("kubectl exec debug-continue: %v\n%s", err, out)
	}
	tr := e.waitTaskRunDone("debug", time.Minute)
	wantCondition(e.t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if logs := e.logs("debug-pod", "step-after"); !strings.Contains(logs, "after ran") {
		e.t.Errorf("the step after the breakpoint: %q", logs)
	}
}
