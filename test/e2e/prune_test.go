//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestPruningKeepsExactlyN: with slipway.dev/prune-keep-successful on its
// runs, a Pipeline keeps its 2 newest successful PipelineRuns (their
// TaskRuns go with the others) and a Task its newest TaskRun.
func TestPruningKeepsExactlyN(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: quick}
spec:
  steps: [{name: ok, image: busybox, script: "true"}]
`, &pipelinev1.Task{})
	e.apply(`
metadata: {name: quick}
spec:
  tasks: [{name: only, taskRef: {name: quick}}]
`, &pipelinev1.Pipeline{})
	for i := 1; i <= 4; i++ {
		e.apply(fmt.Sprintf(`
metadata: {name: pr-%d, annotations: {slipway.dev/prune-keep-successful: "2"}}
spec: {pipelineRef: {name: quick}}
`, i), &pipelinev1.PipelineRun{})
		e.waitPipelineRunDone(fmt.Sprintf("pr-%d", i), 2*time.Minute)
	}
	for i := 1; i <= 3; i++ {
		e.apply(fmt.Sprintf(`
metadata: {name: tr-%d, annotations: {slipway.dev/prune-keep-successful: "1"}}
spec: {taskRef: {name: quick}}
`, i), &pipelinev1.TaskRun{})
		e.waitTaskRunDone(fmt.Sprintf("tr-%d", i), 2*time.Minute)
	}
	e.waitFor("the pruning", time.Minute, func(ctx context.Context) (bool, error) {
		var prs pipelinev1.PipelineRunList
		var trs pipelinev1.TaskRunList
		if err := e.c.List(ctx, &prs, client.InNamespace(e.ns)); err != nil {
			return false, err
		}
		if err := e.c.List(ctx, &trs, client.InNamespace(e.ns)); err != nil {
			return false, err
		}
		var names []string
		for _, pr := range prs.Items {
			names = append(names, pr.Name)
		}
		for _, tr := range trs.Items {
			names = append(names, tr.Name)
		}
		slices.Sort(names)
		// The survivors: pr-3 and pr-4 with their TaskRuns, and tr-3.
		return slices.Equal(names, []string{"pr-3", "pr-3-only", "pr-4", "pr-4-only", "tr-3"}), nil
	})
}

// TestPrunePolicyPerNamespace: a prune-policies entry for this namespace
// (no annotations on the runs) keeps exactly the newest successful run.
func TestPrunePolicyPerNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setConfigKey("prune-policies", fmt.Sprintf("- {name: e2e, namespace: %s, kind: PipelineRun, keepSuccessful: 1}", e.ns))
	e.apply(`
metadata: {name: quick}
spec:
  tasks: [{name: only, taskSpec: {steps: [{name: ok, image: busybox, script: "true"}]}}]
`, &pipelinev1.Pipeline{})
	for i := 1; i <= 3; i++ {
		e.apply(fmt.Sprintf("metadata: {name: pp-%d}\nspec: {pipelineRef: {name: quick}}\n", i), &pipelinev1.PipelineRun{})
		e.waitPipelineRunDone(fmt.Sprintf("pp-%d", i), 2*time.Minute)
	}
	e.waitFor("the pruning", time.Minute, func(ctx context.Context) (bool, error) {
		var prs pipelinev1.PipelineRunList
		if err := e.c.List(ctx, &prs, client.InNamespace(e.ns)); err != nil {
			return false, err
		}
		return len(prs.Items) == 1 && prs.Items[0].Name == "pp-3", nil
	})
}
