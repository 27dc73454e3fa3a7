//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// eagerRun is a → b, b consuming a's result in its script, env and args;
// a fails when fail is set.
func eagerRun(name string, fail bool) string {
	exit := "0"
	if fail {
		exit = "1"
	}
	return `
metadata: {name: ` + name + `}
spec:
  pipelineSpec:
    tasks:
    - name: a
      taskSpec:
        results: [{name: out}]
        steps:
        - image: busybox
          script: 'sleep 3; printf from-a > $(results.out.path); exit ` + exit + `'
    - name: b
      params: [{name: x, value: "got-$(tasks.a.results.out)"}]
      taskSpec:
        params: [{name: x}]
        steps:
        - image: busybox
          env: [{name: X, value: "$(params.x)"}]
          command: [sh, -c]
          args: ['echo "script $(params.x) env $X arg $0"; test "$X" = got-from-a && test "$0" = got-from-a', "$(params.x)"]
`
}

// TestEagerScheduling (D25): b's pod is made while a runs, its step waits
// and then runs with a's result in its script, env and args; when a fails,
// b's held TaskRun and pod go, and b is reported skipped.
func TestEagerScheduling(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(eagerRun("eager", false), &pr)
	got := e.waitPipelineRunDone("eager", 2*time.Minute)
	if !got.IsSuccessful() {
		t.Fatalf("PipelineRun: %s\n%s", e.dump(got.Status), e.failedTaskRunLogs())
	}
	a := e.waitTaskRunDone("eager-a", time.Second)
	b := e.waitTaskRunDone("eager-b", time.Second)
	podB := e.pod(b.Status.PodName)
	if !podB.CreationTimestamp.Time.Before(a.Status.CompletionTime.Time) {
		t.Errorf("b's pod was created at %s, not before a finished (%s)", podB.CreationTimestamp, a.Status.CompletionTime)
	}
	// Times have whole seconds: b's start (its release) may read a second
	// before a's completion, never more.
	if b.Status.StartTime.Time.Before(a.Status.CompletionTime.Time.Add(-time.Second)) {
		t.Errorf("b started at %s, before a finished (%s)", b.Status.StartTime, a.Status.CompletionTime)
	}
	if logs := e.logs(podB.Name, podB.Spec.Containers[0].Name); !strings.Contains(logs, "script got-from-a env got-from-a arg got-from-a") {
		t.Errorf("b's step logs: %q", logs)
	}

	var failing pipelinev1.PipelineRun
	e.apply(eagerRun("eager-fail", true), &failing)
	e.waitFor("b's held TaskRun", time.Minute, func(ctx context.Context) (bool, error) {
		var tr pipelinev1.TaskRun
		err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "eager-fail-b"}, &tr)
		return err == nil, client.IgnoreNotFound(err)
	})
	done := e.waitPipelineRunDone("eager-fail", 2*time.Minute)
	if done.IsSuccessful() || len(done.Status.SkippedTasks) != 1 || done.Status.SkippedTasks[0].Name != "b" {
		t.Fatalf("PipelineRun: %s", e.dump(done.Status))
	}
	e.waitFor("b's held TaskRun to be deleted", time.Minute, func(ctx context.Context) (bool, error) {
		var tr pipelinev1.TaskRun
		err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "eager-fail-b"}, &tr)
		return client.IgnoreNotFound(err) == nil && err != nil, client.IgnoreNotFound(err)
	})
	if refs := done.Status.ChildReferences; len(refs) != 1 {
		t.Errorf("childReferences = %+v, want a's only", refs)
	}
}
