//go:build e2e

package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A diamond: top → (left, right) → bottom, results flowing down, with a
// pipeline result and a workspace shared through one volumeClaimTemplate.
func TestPipelineRunDiamondPassesResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: diamond}
spec:
  params: [{name: seed, value: "7"}]
  workspaces:
  - name: shared
    volumeClaimTemplate:
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
  pipelineSpec:
    params: [{name: seed}]
    workspaces: [{name: shared}]
    results: [{name: answer, value: $(tasks.bottom.results.sum)}]
    tasks:
    - name: top
      params: [{name: num, value: $(params.seed)}]
      workspaces: [{name: w, workspace: shared}]
      taskSpec:
        params: [{name: num}]
        results: [{name: out}]
        workspaces: [{name: w}]
        steps:
        - {name: s, image: busybox, script: "echo top > $(workspaces.w.path)/top; printf $(params.num) > $(results.out.path)"}
    - name: left
      params: [{name: num, value: $(tasks.top.results.out)}]
      taskSpec:
        params: [{name: num}]
        results: [{name: out}]
        steps: [{name: s, image: busybox, script: "printf $(( $(params.num) + 1 )) > $(results.out.path)"}]
    - name: right
      params: [{name: num, value: $(tasks.top.results.out)}]
      taskSpec:
        params: [{name: num}]
        results: [{name: out}]
        steps: [{name: s, image: busybox, script: "printf $(( $(params.num) * 2 )) > $(results.out.path)"}]
    - name: bottom
      params:
      - {name: a, value: $(tasks.left.results.out)}
      - {name: b, value: $(tasks.right.results.out)}
      workspaces: [{name: w, workspace: shared}]
      taskSpec:
        params: [{name: a}, {name: b}]
        results: [{name: sum}]
        workspaces: [{name: w}]
        steps: [{name: s, image: busybox, script: "cat $(workspaces.w.path)/top; printf $(( $(params.a) + $(params.b) )) > $(results.sum.path)"}]
`, &pr)
	got := e.waitPipelineRunDone("diamond", 3*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.Results) != 1 || got.Status.Results[0].Value.StringVal != "22" {
		t.Errorf("pipeline results = %+v, want answer=22 ((7+1)+(7*2))", got.Status.Results)
	}
	if n := len(got.Status.ChildReferences); n != 4 {
		t.Errorf("childReferences = %d, want 4", n)
	}
}

func TestPipelineRunWhenSkipsOnlyItsTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: when}
spec:
  params: [{name: deploy, value: "no"}]
  pipelineSpec:
    params: [{name: deploy}]
    tasks:
    - name: gated
      when: [{input: $(params.deploy), operator: in, values: ["yes"]}]
      taskSpec:
        steps: [{name: s, image: busybox, script: "echo deploying"}]
    - name: after-gated
      runAfter: [gated]
      taskSpec:
        steps: [{name: s, image: busybox, script: "echo still runs"}]
`, &pr)
	got := e.waitPipelineRunDone("when", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionTrue, "Completed")
	if len(got.Status.SkippedTasks) != 1 || got.Status.SkippedTasks[0].Name != "gated" {
		t.Fatalf("skippedTasks = %+v, want only gated", got.Status.SkippedTasks)
	}
	if r := got.Status.SkippedTasks[0].Reason; r != pipelinev1.WhenExpressionsSkip {
		t.Errorf("skip reason = %q, want %q", r, pipelinev1.WhenExpressionsSkip)
	}
	if !strings.Contains(c.Message, "Skipped: 1") {
		t.Errorf("message = %q", c.Message)
	}
}

func TestPipelineRunFailureRunsFinally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: finally}
spec:
  pipelineSpec:
    tasks:
    - name: ok
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
    - name: broken
      taskSpec: {steps: [{name: s, image: busybox, script: "exit 1"}]}
    - name: dependent
      runAfter: [broken]
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
    finally:
    - name: report
      params:
      - {name: overall, value: $(tasks.status)}
      - {name: broken, value: $(tasks.broken.status)}
      taskSpec:
        params: [{name: overall}, {name: broken}]
        results: [{name: seen}]
        steps: [{name: s, image: busybox, script: "printf '$(params.overall)/$(params.broken)' > $(results.seen.path)"}]
`, &pr)
	got := e.waitPipelineRunDone("finally", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "Failed")
	if !strings.Contains(c.Message, "Failed: 1") || !strings.Contains(c.Message, "Skipped: 1") {
		t.Errorf("message = %q, want one failed and one skipped task", c.Message)
	}
	var report pipelinev1.TaskRun
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: "finally-report"}, &report); err != nil {
		t.Fatalf("finally TaskRun: %v", err)
	}
	if len(report.Status.Results) != 1 || report.Status.Results[0].Value.StringVal != "Failed/Failed" {
		t.Errorf("finally saw %+v, want Failed/Failed", report.Status.Results)
	}
}

func TestPipelineRunMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: matrix}
spec:
  pipelineSpec:
    tasks:
    - name: build
      matrix:
        params:
        - {name: os, value: [linux, darwin, windows]}
        - {name: arch, value: [amd64, arm64]}
      taskSpec:
        params: [{name: os}, {name: arch}]
        results: [{name: target}]
        steps: [{name: s, image: busybox, script: "printf $(params.os)-$(params.arch) > $(results.target.path)"}]
    - name: collect
      params: [{name: all, value: "$(tasks.build.results.target[*])"}]
      taskSpec:
        params: [{name: all, type: array}]
        steps: [{name: s, image: busybox, args: ["$(params.all[*])"], script: 'echo "$@"'}]
`, &pr)
	got := e.waitPipelineRunDone("matrix", 3*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	var trs pipelinev1.TaskRunList
	if err := e.c.List(context.Background(), &trs, client.InNamespace(e.ns),
		client.MatchingLabels{"tekton.dev/pipelineTask": "build"}); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, tr := range trs.Items {
		for _, r := range tr.Status.Results {
			targets = append(targets, r.Value.StringVal)
		}
	}
	sort.Strings(targets)
	want := "darwin-amd64 darwin-arm64 linux-amd64 linux-arm64 windows-amd64 windows-arm64"
	if strings.Join(targets, " ") != want {
		t.Errorf("matrix results = %v, want %s", targets, want)
	}
}

func TestPipelineRunCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: cancel}
spec:
  pipelineSpec:
    tasks:
    - name: slow
      taskSpec: {steps: [{name: s, image: busybox, script: "echo started; sleep 120"}]}
    - name: next
      runAfter: [slow]
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
`, &pr)
	e.waitFor("the first TaskRun to run", time.Minute, func(ctx context.Context) (bool, error) {
		var tr pipelinev1.TaskRun
		if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "cancel-slow"}, &tr); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return len(tr.Status.Steps) == 1 && tr.Status.Steps[0].Running != nil, nil
	})
	patch := []byte(`{"spec":{"status":"Cancelled"}}`)
	if err := e.c.Patch(context.Background(), &pr, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("cancelling: %v", err)
	}
	got := e.waitPipelineRunDone("cancel", time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "Cancelled")
	var tr pipelinev1.TaskRun
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: "cancel-slow"}, &tr); err != nil {
		t.Fatal(err)
	}
	wantCondition(t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "TaskRunCancelled")
}

func TestPipelineRunTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: timeout}
spec:
  timeouts: {pipeline: 6s}
  pipelineSpec:
    tasks:
    - name: slow
      taskSpec: {steps: [{name: s, image: busybox, script: "sleep 120"}]}
`, &pr)
	got := e.waitPipelineRunDone("timeout", time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "PipelineRunTimeout")
}
