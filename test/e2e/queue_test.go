//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setLimits sets slipway-config's concurrency-limits for the test.
func (e *env) setLimits(limits string) { e.setConfigKey("concurrency-limits", limits) }

// setConfigKey sets one key of slipway-config for the test and removes it
// after it (a merge patch of that key only, so tests that set other keys
// can run beside it).
func (e *env) setConfigKey(key, value string) {
	e.t.Helper()
	patch := func(v any) error {
		b, _ := json.Marshal(map[string]any{"data": map[string]any{key: v}})
		cm := &corev1.ConfigMap{}
		cm.Namespace, cm.Name = "slipway", "slipway-config"
		return e.c.Patch(context.Background(), cm, client.RawPatch(types.MergePatchType, b))
	}
	if err := patch(value); err != nil {
		e.t.Fatalf("setting slipway-config %s: %v", key, err)
	}
	e.t.Cleanup(func() { _ = patch(nil) })
}

// TestQueue: both scenarios in one namespace under one value of
// concurrency-limits (a cluster-wide key), one after the other.
func TestQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setLimits(fmt.Sprintf(`
- {name: three, namespace: %[1]s, max: 3, selector: {matchLabels: {queue: fifo}}}
- {name: deploy, namespace: %[1]s, max: 1, groupBy: [branch], strategy: cancel-oldest, selector: {matchLabels: {queue: deploy}}}
`, e.ns))
	e.queueCancelOldestPerBranch()
	e.queueThirtyUnderThree()
}

// queueThirtyUnderThree: 30 PipelineRuns created at once under a limit
// of 3 never have more than 3 running (sampled every 200 ms), start in
// the order they were created, wait with their place in the queue, and
// all succeed.
func (e *env) queueThirtyUnderThree() {
	t := e.t
	const n = 30
	for i := range n {
		e.apply(fmt.Sprintf(`
metadata: {name: q%02d, labels: {queue: fifo}}
spec:
  pipelineSpec:
    tasks:
    - name: work
      taskSpec: {steps: [{name: s, image: busybox, script: "sleep 1"}]}
`, i), &pipelinev1.PipelineRun{})
	}
	firstSeen, maxRunning, queued := e.sampleQueue(n, 5*time.Minute)
	if firstSeen == nil {
		return
	}
	t.Logf("at most %d running; a waiting run said: %s", maxRunning, queued)
	metrics := e.scrapeLeader()
	if !strings.Contains(metrics, `slipway_queue_wait_seconds_count{kind="PipelineRun",limit="three"}`) {
		t.Errorf("the leader's metrics have no queue wait times for limit three")
	}
	if maxRunning > 3 {
		t.Errorf("%d PipelineRuns ran at once, over the limit of 3", maxRunning)
	}
	if maxRunning < 3 {
		t.Errorf("at most %d ran at once: the limit of 3 was not used", maxRunning)
	}
	// Runs let through by one decision (two slots freed at once) are
	// reconciled side by side, so the later one's start can be written a
	// moment first; out of order means it started a slot cycle (a run of
	// sleep 1, ≥ 2 s) before the earlier one.
	const together = time.Second
	for i := 1; i < n; i++ {
		if firstSeen[i].Add(together).Before(firstSeen[i-1]) {
			t.Errorf("q%02d started at %s, before q%02d at %s", i, firstSeen[i].Format("15:04:05.0"), i-1, firstSeen[i-1].Format("15:04:05.0"))
		}
	}
	if !strings.Contains(queued, "position") || !strings.Contains(queued, `concurrency limit "three"`) {
		t.Errorf("a waiting run's message %q gives no place in the queue", queued)
	}
}

// sampleQueue samples the namespace's PipelineRuns every 200 ms until n
// are done: when each was first seen started, the most seen running at
// once, and one message of a waiting run.
func (e *env) sampleQueue(n int, timeout time.Duration) ([]time.Time, int, string) {
	e.t.Helper()
	firstSeen := make([]time.Time, n)
	maxRunning, queued := 0, ""
	deadline := time.Now().Add(timeout)
	for ; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var prs pipelinev1.PipelineRunList
		if err := e.c.List(context.Background(), &prs, client.InNamespace(e.ns), client.MatchingLabels{"queue": "fifo"}); err != nil {
			e.t.Error(err)
			return nil, 0, ""
		}
		running, done := 0, 0
		for _, pr := range prs.Items {
			var i int
			fmt.Sscanf(pr.Name, "q%d", &i)
			c := pr.Status.GetCondition(apis.ConditionSucceeded)
			switch {
			case pr.IsDone():
				done++
				if !c.IsTrue() {
					e.t.Errorf("%s: %s: %s", pr.Name, c.Reason, c.Message)
					return nil, 0, ""
				}
			case pr.Status.StartTime != nil:
				running++
			case c != nil && c.Reason == pipelinev1.PipelineRunReasonPending.String():
				queued = c.Message
			}
			if pr.Status.StartTime != nil && firstSeen[i].IsZero() {
				firstSeen[i] = time.Now()
			}
		}
		maxRunning = max(maxRunning, running)
		if done == n {
			return firstSeen, maxRunning, queued
		}
	}
	e.t.Errorf("not all %d PipelineRuns done after %s", n, timeout)
	return nil, 0, ""
}

// queueCancelOldestPerBranch: one deploy at a time per branch; a new one
// cancels the one running on its branch, another branch is left alone.
func (e *env) queueCancelOldestPerBranch() {
	t := e.t
	run := func(name, branch string) {
		e.apply(fmt.Sprintf(`
metadata: {name: %s, labels: {branch: %s, queue: deploy}}
spec:
  pipelineSpec:
    tasks:
    - name: deploy
      taskSpec: {steps: [{name: s, image: busybox, script: "sleep 8"}]}
`, name, branch), &pipelinev1.PipelineRun{})
	}
	run("main-1", "main")
	run("dev-1", "dev")
	deadline := time.Now().Add(time.Minute)
	for !e.started("main-1") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	run("main-2", "main")
	got := map[string]*pipelinev1.PipelineRun{}
	for deadline := time.Now().Add(3 * time.Minute); len(got) < 3 && time.Now().Before(deadline); time.Sleep(time.Second) {
		for _, name := range []string{"main-1", "dev-1", "main-2"} {
			var pr pipelinev1.PipelineRun
			if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: name}, &pr); err == nil && pr.IsDone() {
				got[name] = &pr
			}
		}
	}
	want := map[string]string{"main-1": "Cancelled", "dev-1": "Succeeded", "main-2": "Succeeded"}
	for name, reason := range want {
		if got[name] == nil {
			t.Errorf("%s not done after 3 minutes", name)
			continue
		}
		if c := got[name].Status.GetCondition(apis.ConditionSucceeded); c.Reason != reason {
			t.Errorf("%s: %s (%s), want %s", name, c.Reason, c.Message, reason)
		}
	}
}

func (e *env) started(name string) bool {
	var pr pipelinev1.PipelineRun
	err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: name}, &pr)
	return err == nil && pr.Status.StartTime != nil
}
