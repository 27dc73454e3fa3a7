package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

const taskSpec = `
      taskSpec:
        params: [{name: x, default: ""}]
        results: [{name: out}]
        steps: [{name: s, image: busybox, script: "echo $(params.x)"}]`

func param(tr *v1.TaskRun, name string) string {
	for _, p := range tr.Spec.Params {
		if p.Name == name {
			return p.Value.StringVal
		}
	}
	return "<missing>"
}

func TestDiamondPassesResults(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	ns := e.namespace(t)
	e.createRun(t, ns, `
metadata: {name: d}
spec:
  params: [{name: greeting, value: hi}]
  pipelineSpec:
    params: [{name: greeting}]
    results: [{name: joined, value: "$(tasks.d.results.out)"}]
    tasks:
    - name: a
      params: [{name: x, value: "$(params.greeting)-$(context.pipelineRun.name)"}]`+taskSpec+`
    - name: b
      params: [{name: x, value: "$(tasks.a.results.out)"}]`+taskSpec+`
    - name: c
      runAfter: [a]`+taskSpec+`
    - name: d
      params: [{name: x, value: "$(tasks.b.results.out)+$(tasks.c.results.out)"}]`+taskSpec)
	a := e.waitTaskRun(t, ns, "d-a")
	if got := param(a, "x"); got != "hi-d" {
		t.Errorf("a.x = %q, want hi-d", got)
	}
	if a.Labels["tekton.dev/pipelineRun"] != "d" || a.Labels["tekton.dev/pipelineTask"] != "a" || len(a.OwnerReferences) != 1 {
		t.Errorf("a labels/owner = %v %v", a.Labels, a.OwnerReferences)
	}
	e.finish(t, a, true, map[string]string{"out": "A"})
	b, c := e.waitTaskRun(t, ns, "d-b"), e.waitTaskRun(t, ns, "d-c")
	if got := param(b, "x"); got != "A" {
		t.Errorf("b.x = %q, want A", got)
	}
	e.finish(t, b, true, map[string]string{"out": "B"})
	e.finish(t, c, true, map[string]string{"out": "C"})
	d := e.waitTaskRun(t, ns, "d-d")
	if got := param(d, "x"); got != "B+C" {
		t.Errorf("d.x = %q, want B+C", got)
	}
	e.finish(t, d, true, map[string]string{"out": "D"})
	pr := e.waitDone(t, ns, "d")
	if !pr.IsSuccessful() || len(pr.Status.ChildReferences) != 4 || pr.Status.CompletionTime == nil {
		t.Errorf("PipelineRun: %s, %d children", condition(pr), len(pr.Status.ChildReferences))
	}
	if len(pr.Status.Results) != 1 || pr.Status.Results[0].Value.StringVal != "D" {
		t.Errorf("results = %+v, want joined=D", pr.Status.Results)
	}
}

func TestWhenSkipAndFinallyStatus(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	ns := e.namespace(t)
	e.createRun(t, ns, `
metadata: {name: w}
spec:
  pipelineSpec:
    tasks:
    - name: build`+taskSpec+`
    - name: deploy
      when: [{input: "$(tasks.build.results.out)", operator: in, values: ["yes"]}]`+taskSpec+`
    - name: test
      runAfter: [build]`+taskSpec+`
    finally:
    - name: report
      params: [{name: x, value: "$(tasks.status)/$(tasks.test.status)/$(tasks.deploy.status)"}]`+taskSpec)
	e.finish(t, e.waitTaskRun(t, ns, "w-build"), true, map[string]string{"out": "no"})
	e.finish(t, e.waitTaskRun(t, ns, "w-test"), false, nil)
	report := e.waitTaskRun(t, ns, "w-report")
	if got := param(report, "x"); got != "Failed/Failed/None" {
		t.Errorf("report.x = %q, want Failed/Failed/None", got)
	}
	if report.Labels["tekton.dev/memberOf"] != "finally" {
		t.Errorf("report memberOf = %q", report.Labels["tekton.dev/memberOf"])
	}
	e.finish(t, report, true, nil)
	pr := e.waitDone(t, ns, "w")
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	if c.Reason != "Failed" || c.Message != "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 1" {
		t.Errorf("condition = %s", condition(pr))
	}
	if len(pr.Status.SkippedTasks) != 1 || pr.Status.SkippedTasks[0].Reason != v1.WhenExpressionsSkip {
		t.Errorf("skippedTasks = %+v", pr.Status.SkippedTasks)
	}
}

func TestMatrix3x2(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	ns := e.namespace(t)
	e.createRun(t, ns, `
metadata: {name: m}
spec:
  pipelineSpec:
    tasks:
    - name: t
      matrix:
        params:
        - {name: os, value: [linux, mac, windows]}
        - {name: arch, value: [amd64, arm64]}
      taskSpec:
        params: [{name: os}, {name: arch}]
        results: [{name: out}]
        steps: [{name: s, image: busybox, script: "echo $(params.os)/$(params.arch)"}]
    - name: after
      params: [{name: all, value: "$(tasks.t.results.out[*])"}]
      taskSpec:
        params: [{name: all, type: array}]
        steps: [{name: s, image: busybox, args: ["$(params.all[*])"]}]`)
	seen := map[string]bool{}
	for i := 0; i < 6; i++ {
		tr := e.waitTaskRun(t, ns, fmt.Sprintf("m-t-%d", i))
		combo := param(tr, "os") + "/" + param(tr, "arch")
		seen[combo] = true
		e.finish(t, tr, true, map[string]string{"out": combo})
	}
	if len(seen) != 6 {
		t.Errorf("combinations = %v, want 6 distinct", seen)
	}
	after := e.waitTaskRun(t, ns, "m-after")
	if p := after.Spec.Params[0].Value; p.Type != v1.ParamTypeArray || len(p.ArrayVal) != 6 {
		t.Errorf("after.all = %+v, want an array of 6", p)
	}
	e.finish(t, after, true, nil)
	if pr := e.waitDone(t, ns, "m"); !pr.IsSuccessful() {
		t.Errorf("condition = %s", condition(pr))
	}
}

func TestCancel(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	ns := e.namespace(t)
	pr := e.createRun(t, ns, `
metadata: {name: c}
spec:
  pipelineSpec:
    tasks:
    - name: a`+taskSpec+`
    - name: b
      runAfter: [a]`+taskSpec)
	e.waitTaskRun(t, ns, "c-a")
	patch := []byte(`{"spec":{"status":"Cancelled"}}`)
	if err := e.c.Patch(context.Background(), pr, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatal(err)
	}
	done := e.waitDone(t, ns, "c")
	if c := done.Status.GetCondition(apis.ConditionSucceeded); c.Reason != "Cancelled" {
		t.Errorf("condition = %s", condition(done))
	}
	a, _ := e.taskRun(ns, "c-a")
	if a.Spec.Status != v1.TaskRunSpecStatusCancelled {
		t.Errorf("c-a spec.status = %q, want TaskRunCancelled", a.Spec.Status)
	}
	if b, _ := e.taskRun(ns, "c-b"); b.Name != "" {
		t.Errorf("c-b was created after cancellation")
	}
}

func TestPipelineTimeout(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	ns := e.namespace(t)
	e.createRun(t, ns, `
metadata: {name: to}
spec:
  timeouts: {pipeline: 2s}
  pipelineSpec:
    tasks:
    - name: a`+taskSpec)
	a := e.waitTaskRun(t, ns, "to-a")
	if a.Spec.Timeout == nil || a.Spec.Timeout.Duration > 2*time.Second {
		t.Errorf("to-a timeout = %v, want ≤ 2s", a.Spec.Timeout)
	}
	done := e.waitDone(t, ns, "to")
	if c := done.Status.GetCondition(apis.ConditionSucceeded); c.Reason != "PipelineRunTimeout" {
		t.Errorf("condition = %s", condition(done))
	}
	a, _ = e.taskRun(ns, "to-a")
	if a.Spec.Status != v1.TaskRunSpecStatusCancelled || !strings.Contains(string(a.Spec.StatusMessage), "timed out") {
		t.Errorf("to-a spec.status = %q %q", a.Spec.Status, a.Spec.StatusMessage)
	}
}

// fanOutYAML is a pipeline of a root, n parallel tasks reading its result,
// and a sink that runs after all of them.
func fanOutYAML(name string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "metadata: {name: %s}\nspec:\n  pipelineSpec:\n    tasks:\n    - name: root\n      taskRef: {name: t}\n", name)
	after := make([]string, n)
	for i := 0; i < n; i++ {
		after[i] = fmt.Sprintf("w%d", i)
		fmt.Fprintf(&b, "    - name: w%d\n      taskRef: {name: t}\n      params: [{name: x, value: \"$(tasks.root.results.out)\"}]\n", i)
	}
	fmt.Fprintf(&b, "    - name: sink\n      taskRef: {name: t}\n      runAfter: [%s]\n", strings.Join(after, ", "))
	return b.String()
}

// runFanOut creates the fan-out/fan-in run, completes the root, and returns
// how long it took from the root's completion until all n fan-out TaskRuns
// existed (the PipelineRun is created a moment before, with only the root
// runnable).
func runFanOut(t testing.TB, e *env, ns, name string, n int) time.Duration {
	e.createRun(t, ns, fanOutYAML(name, n))
	e.finish(t, e.waitTaskRun(t, ns, name+"-root"), true, map[string]string{"out": "x"})
	start := time.Now()
	count := func() int {
		list := &v1.TaskRunList{}
		if err := e.c.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		n := 0
		for i := range list.Items {
			if !resources.IsHeld(&list.Items[i]) {
				n++
			}
		}
		return n
	}
	waitFor(t, "all fan-out TaskRuns", 120*time.Second, func() (bool, error) { return count() >= n+1, nil })
	elapsed := time.Since(start)
	list := &v1.TaskRunList{}
	_ = e.c.List(context.Background(), list, client.InNamespace(ns))
	for i := range list.Items {
		// The fan-out's workers only: the sink may already exist, held
		// for them (D25), and only its release may start it.
		if tr := &list.Items[i]; strings.HasPrefix(tr.Name, name+"-w") && !resources.IsHeld(tr) {
			e.finish(t, tr, true, nil)
		}
	}
	e.finish(t, e.waitTaskRun(t, ns, name+"-sink"), true, nil)
	if pr := e.waitDone(t, ns, name); !pr.IsSuccessful() {
		t.Errorf("condition = %s", condition(pr))
	}
	return elapsed
}

func TestFanOut500(t *testing.T) {
	e := startEnv(t)
	ns := e.namespace(t)
	d := runFanOut(t, e, ns, "fan", 500)
	t.Logf("500-task fan-out/fan-in: all 500 fan-out TaskRuns existed %v after the root TaskRun succeeded", d)
}

func BenchmarkFanOut500(b *testing.B) {
	e := startEnv(b)
	for i := 0; i < b.N; i++ {
		ns := e.namespace(b)
		d := runFanOut(b, e, ns, "fan", 500)
		b.ReportMetric(d.Seconds(), "s/run")
	}
}

// Runs Tekton fails before the first TaskRun, with its reasons.
func TestRefusedBeforeFirstTaskRun(t *testing.T) {
	e := startEnv(t)
	t.Parallel()
	tests := []struct{ name, doc, reason, msg string }{{
		name: "undeclared result",
		doc: `
metadata: {name: undeclared}
spec:
  pipelineSpec:
    tasks:
    - name: a` + taskSpec + `
    - name: b
      params: [{name: x, value: "$(tasks.a.results.nope)"}]` + taskSpec,
		reason: "InvalidTaskResultReference",
		msg:    `invalid result reference in pipeline task "b": "nope" is not a named result returned by pipeline task "a"`,
	}, {
		name: "embedded custom task",
		doc: `
metadata: {name: custom}
spec:
  pipelineSpec:
    tasks:
    - name: wait
      taskSpec:
        apiVersion: example.dev/v1
        kind: Wait
        spec: {duration: 1s}`,
		reason: "CouldntGetTask",
		msg:    `pipeline task "wait" is a custom task (embedded apiVersion "example.dev/v1", kind "Wait"): Slipway runs only its own slipway.dev/v1alpha1 Approval custom task`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns := e.namespace(t)
			pr := e.waitDone(t, ns, e.createRun(t, ns, tc.doc).Name)
			c := pr.Status.GetCondition(apis.ConditionSucceeded)
			if c.Reason != tc.reason || !strings.Contains(c.Message, tc.msg) {
				t.Errorf("condition = %s, want %s containing %q", condition(pr), tc.reason, tc.msg)
			}
			list := &v1.TaskRunList{}
			if err := e.c.List(context.Background(), list, client.InNamespace(ns)); err != nil || len(list.Items) != 0 {
				t.Errorf("%d TaskRuns created (%v), want none", len(list.Items), err)
			}
		})
	}
}
