//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// fanPipeline fans out to three tasks whose results a fourth joins, with a
// finally task; its result is "a-<id>+b-<id>+c-<id>".
const fanPipeline = `
metadata: {name: fan}
spec:
  params: [{name: id}]
  results: [{name: sum, value: $(tasks.join.results.out)}]
  tasks:
  - {name: a, taskSpec: {results: [{name: v}], steps: [{name: s, image: busybox, script: 'printf a-$(params.id) > $(results.v.path)'}]}}
  - {name: b, taskSpec: {results: [{name: v}], steps: [{name: s, image: busybox, script: 'printf b-$(params.id) > $(results.v.path)'}]}}
  - {name: c, taskSpec: {results: [{name: v}], steps: [{name: s, image: busybox, script: 'printf c-$(params.id) > $(results.v.path)'}]}}
  - name: join
    params: [{name: x, value: "$(tasks.a.results.v)+$(tasks.b.results.v)+$(tasks.c.results.v)"}]
    taskSpec:
      params: [{name: x}]
      results: [{name: out}]
      steps: [{name: s, image: busybox, script: 'printf "$(params.x)" > $(results.out.path)'}]
  finally:
  - {name: report, taskSpec: {steps: [{name: s, image: busybox, script: 'true'}]}}
`

const fanTasks = 5

// startRuns creates the Pipeline and n PipelineRuns of it.
func (e *env) startRuns(ctx context.Context, n int) []string {
	e.t.Helper()
	var p pipelinev1.Pipeline
	if err := yaml.UnmarshalStrict([]byte(fanPipeline), &p); err != nil {
		e.t.Fatal(err)
	}
	p.Namespace = e.ns
	if err := e.c.Create(ctx, &p); err != nil {
		e.t.Fatal(err)
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("run-%03d", i)
		pr := &pipelinev1.PipelineRun{}
		pr.Name, pr.Namespace = names[i], e.ns
		pr.Spec.PipelineRef = &pipelinev1.PipelineRef{Name: "fan"}
		pr.Spec.Params = pipelinev1.Params{{Name: "id", Value: *pipelinev1.NewStructuredValues(fmt.Sprint(i))}}
		if err := e.c.Create(ctx, pr); err != nil {
			e.t.Fatal(err)
		}
	}
	return names
}

// waitRuns waits until every PipelineRun of the namespace is done.
func (e *env) waitRuns(ctx context.Context, n int, timeout time.Duration) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%d PipelineRuns to finish", n), timeout, func() bool {
		var prs pipelinev1.PipelineRunList
		if err := e.c.List(ctx, &prs, client.InNamespace(e.ns)); err != nil {
			return false
		}
		done := 0
		for _, pr := range prs.Items {
			if pr.IsDone() {
				done++
			}
		}
		return done == n
	})
}

// verdict checks every run: succeeded with the right result, one TaskRun
// per pipeline task, one pod per TaskRun attempt.
type verdict struct {
	succeeded, wrongResult, duplicateTaskRuns, extraPods int
	failures                                             []string
}

func (e *env) check(ctx context.Context, names []string) verdict {
	var v verdict
	var trs pipelinev1.TaskRunList
	var pods corev1.PodList
	if err := e.c.List(ctx, &trs, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	if err := e.c.List(ctx, &pods, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	perRun := map[string]int{}
	for _, tr := range trs.Items {
		perRun[tr.Labels["tekton.dev/pipelineRun"]]++
	}
	v.extraPods = extraPods(trs.Items, pods.Items)
	for i, name := range names {
		var pr pipelinev1.PipelineRun
		if err := e.c.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: name}, &pr); err != nil {
			e.t.Fatal(err)
		}
		v.tally(pr, i, perRun[name])
	}
	return v
}

// extraPods counts the pods beyond one per attempt of their TaskRun.
func extraPods(trs []pipelinev1.TaskRun, pods []corev1.Pod) int {
	attempts, perTaskRun := map[string]int{}, map[string]int{}
	for _, tr := range trs {
		attempts[tr.Name] = 1 + len(tr.Status.RetriesStatus)
	}
	for _, p := range pods {
		perTaskRun[p.Labels["tekton.dev/taskRun"]]++
	}
	extra := 0
	for name, n := range perTaskRun {
		if n > attempts[name] {
			extra += n - attempts[name]
		}
	}
	return extra
}

func (v *verdict) tally(pr pipelinev1.PipelineRun, i, taskRuns int) {
	if taskRuns > fanTasks {
		v.duplicateTaskRuns += taskRuns - fanTasks
	}
	if !pr.IsSuccessful() {
		c := pr.Status.GetCondition(apis.ConditionSucceeded)
		v.failures = append(v.failures, fmt.Sprintf("%s: %s %s", pr.Name, c.GetReason(), c.GetMessage()))
		return
	}
	v.succeeded++
	want := fmt.Sprintf("a-%d+b-%d+c-%d", i, i, i)
	if len(pr.Status.Results) != 1 || pr.Status.Results[0].Value.StringVal != want {
		v.wrongResult++
	}
}

func (v verdict) String() string {
	s := fmt.Sprintf("%d succeeded with the right result, %d wrong results, %d duplicate TaskRuns, %d TaskRuns with more than one pod per attempt",
		v.succeeded-v.wrongResult, v.wrongResult, v.duplicateTaskRuns, v.extraPods)
	if len(v.failures) > 0 {
		s += "; failed: " + strings.Join(v.failures[:min(3, len(v.failures))], "; ")
	}
	return s
}

func (v verdict) ok(n int) bool {
	return v.succeeded == n && v.wrongResult == 0 && v.duplicateTaskRuns == 0 && v.extraPods == 0
}

// every runs f every period (after the previous f returns) in a
// goroutine counted by wg, until stop is closed.
func every(stop <-chan struct{}, wg *sync.WaitGroup, period time.Duration, f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(period):
			}
			f()
		}
	}()
}

// probeWebhook dry-runs a Task create every 200 ms until stop, counting
// the answers that were not the webhook's.
func (e *env) probeWebhook(ctx context.Context, stop <-chan struct{}, wg *sync.WaitGroup) (total, failed *atomic.Int64) {
	total, failed = &atomic.Int64{}, &atomic.Int64{}
	every(stop, wg, 200*time.Millisecond, func() {
		task := &pipelinev1.Task{}
		task.Name, task.Namespace = "probe", e.ns
		task.Spec.Steps = []pipelinev1.Step{{Name: "s", Image: "busybox", Script: "true"}}
		total.Add(1)
		if err := e.c.Create(ctx, task, client.DryRunAll); err != nil {
			if failed.Add(1) == 1 {
				e.t.Logf("first webhook probe failure: %.300s", err)
			}
		}
	})
	return total, failed
}
