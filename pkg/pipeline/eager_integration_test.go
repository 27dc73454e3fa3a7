package pipeline_test

import (
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// waitHeld waits for the held TaskRun name (eager scheduling, D25).
func (e *env) waitHeld(t *testing.T, ns, name string) *v1.TaskRun {
	t.Helper()
	var tr *v1.TaskRun
	waitFor(t, "held TaskRun "+name, 30*time.Second, func() (bool, error) {
		var err error
		tr, err = e.taskRun(ns, name)
		return err == nil && tr.Name != "" && resources.IsHeld(tr), err
	})
	return tr
}

// TestEagerScheduling: the next task's TaskRun exists, held, while its
// upstream runs; it is released with the upstream's result, or deleted
// when the upstream fails.
func TestEagerScheduling(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	for _, ok := range []bool{true, false} {
		ns := e.namespace(t)
		e.createRun(t, ns, `
metadata: {name: e}
spec:
  pipelineSpec:
    tasks:
    - name: a`+taskSpec+`
    - name: b
      params: [{name: x, value: "got-$(tasks.a.results.out)"}]`+taskSpec)
		a := e.waitTaskRun(t, ns, "e-a")
		held := e.waitHeld(t, ns, "e-b")
		if got, want := param(held, "x"), resources.HeldToken("x"); got != want || held.Annotations[resources.AnnotationHeld] != "a" {
			t.Errorf("held b: x = %q (want %q), annotations %v", got, want, held.Annotations)
		}
		e.finish(t, a, ok, map[string]string{"out": "A"})
		if !ok {
			pr := e.waitDone(t, ns, "e")
			waitFor(t, "held TaskRun e-b to be deleted", 30*time.Second, func() (bool, error) {
				tr, err := e.taskRun(ns, "e-b")
				return err == nil && tr.Name == "", err
			})
			if len(pr.Status.SkippedTasks) != 1 || pr.Status.SkippedTasks[0].Name != "b" {
				t.Errorf("skipped = %+v, want b", pr.Status.SkippedTasks)
			}
			continue
		}
		b := e.waitTaskRun(t, ns, "e-b")
		if got := param(b, "x"); got != "got-A" {
			t.Errorf("released b: x = %q, want got-A", got)
		}
		e.finish(t, b, true, map[string]string{"out": "B"})
		if pr := e.waitDone(t, ns, "e"); !pr.IsSuccessful() || len(pr.Status.ChildReferences) != 2 {
			t.Errorf("run: %+v", pr.Status)
		}
	}
}
