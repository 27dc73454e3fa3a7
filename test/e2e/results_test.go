//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// TestPipelineRunPasses500KBResult: a 500,000-byte result goes from one
// task to the next (through the producer's log, D22), arrives intact, and
// the logs users read hold what the steps printed and no results block.
func TestPipelineRunPasses500KBResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pr pipelinev1.PipelineRun
	e.apply(`
metadata: {name: big-result}
spec:
  pipelineSpec:
    results: [{name: verdict, value: $(tasks.check.results.verdict)}]
    tasks:
    - name: make
      taskSpec:
        results: [{name: big}, {name: sum}]
        steps:
        - name: write
          image: busybox
          script: |
            head -c 375000 /dev/urandom | base64 | tr -d '\n' > $(results.big.path)
            sha256sum $(results.big.path) | cut -d' ' -f1 | tr -d '\n' > $(results.sum.path)
            echo "made $(wc -c < $(results.big.path)) bytes"
    - name: check
      params: [{name: big, value: $(tasks.make.results.big)}, {name: sum, value: $(tasks.make.results.sum)}]
      taskSpec:
        params: [{name: big}, {name: sum}]
        results: [{name: verdict}]
        steps:
        - name: compare
          image: busybox
          script: |
            got=$(printf '%s' '$(params.big)' | sha256sum | cut -d' ' -f1)
            echo "checking $got"
            test "$got" = "$(params.sum)"
            printf intact > $(results.verdict.path)
`, &pr)
	got := e.waitPipelineRunDone("big-result", 4*time.Minute)
	cond := got.Status.GetCondition(apis.ConditionSucceeded)
	if cond == nil || cond.Status != corev1.ConditionTrue {
		t.Fatalf("PipelineRun: %+v", cond)
	}
	if len(got.Status.Results) != 1 || got.Status.Results[0].Value.StringVal != "intact" {
		t.Errorf("pipeline results = %+v, want verdict=intact", got.Status.Results)
	}
	mk := e.waitTaskRunDone("big-result-make", time.Minute)
	for _, r := range mk.Status.Results {
		if r.Name == "big" && len(r.Value.StringVal) != 500000 {
			t.Errorf("result big is %d bytes, want 500000", len(r.Value.StringVal))
		}
	}
	out, code := e.slipway("logs", "big-result")
	if code != 0 || !strings.Contains(out, "made 500000 bytes") || !strings.Contains(out, "checking ") {
		t.Errorf("slipway logs (exit %d) lack the steps' output:\n%.2000s", code, out)
	}
	if strings.Contains(out, entrypoint.ResultsTagPrefix) {
		t.Errorf("slipway logs show the results block:\n%.2000s", out)
	}
}

// TestTaskRunResultOverTheLimit fails with Tekton's reason and says which
// limit, and how to change it.
func TestTaskRunResultOverTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: too-big}
spec:
  taskSpec:
    results: [{name: big}]
    steps:
    - {name: write, image: busybox, script: "head -c 1100000 /dev/zero | tr '\\0' x > $(results.big.path)"}
`, &tr)
	got := e.waitTaskRunDone("too-big", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, pipelinev1.TaskRunReasonResultLargerThanAllowedLimit.String())
	if !strings.Contains(c.Message, "max-result-size") || !strings.Contains(c.Message, "1100000") {
		t.Errorf("message %q does not say which result and which limit", c.Message)
	}
}

// TestTaskRunManyStepsKeepResults: in a pod of 21 containers each step's
// termination message has 585 bytes; 1 KB results still arrive.
func TestTaskRunManyStepsKeepResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var results, steps strings.Builder
	for i := range 20 {
		fmt.Fprintf(&results, "    - {name: r%d}\n", i)
		fmt.Fprintf(&steps, "    - {name: s%d, image: busybox, script: \"head -c 1000 /dev/zero | tr '\\\\0' %c > $(results.r%d.path)\"}\n", i, 'a'+i, i)
	}
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: many-steps}
spec:
  taskSpec:
    results:
`+results.String()+`    steps:
`+steps.String(), &tr)
	got := e.waitTaskRunDone("many-steps", 3*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	byName := map[string]string{}
	for _, r := range got.Status.Results {
		byName[r.Name] = r.Value.StringVal
	}
	for i := range 20 {
		if v := byName[fmt.Sprintf("r%d", i)]; v != strings.Repeat(string(rune('a'+i)), 1000) {
			t.Errorf("result r%d = %.20q… (%d bytes), want 1000 × %c", i, v, len(v), 'a'+i)
		}
	}
}

// TestTaskRunHundredSteps: a pod of 100 step containers gives each 122
// bytes of termination message; every step still reports, the last
// step's result arrives, and the TaskRun stays far under etcd's limit.
func TestTaskRunHundredSteps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var steps strings.Builder
	for i := range 100 {
		fmt.Fprintf(&steps, "    - {name: s%d, image: busybox, script: \"printf v%d > $(results.r.path)\"}\n", i, i)
	}
	e.apply(`
metadata: {name: hundred}
spec:
  taskSpec:
    results: [{name: r}]
    steps:
`+steps.String(), &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("hundred", 5*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.Results) != 1 || got.Status.Results[0].Value.StringVal != "v99" {
		t.Errorf("results = %+v, want r=v99", got.Status.Results)
	}
	for _, st := range got.Status.Steps {
		if st.TerminationReason != "Completed" {
			t.Errorf("step %s: %s", st.Name, st.TerminationReason)
		}
	}
	if b, _ := json.Marshal(got); len(b) > 512<<10 {
		t.Errorf("the TaskRun is %d bytes", len(b))
	}
}
