package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// dagTargets are the fan-outs measured and issue #15's target for each:
// from the PipelineRun's create until every TaskRun exists (node cordoned).
var dagTargets = []struct {
	n      int
	target time.Duration
}{{500, 1500 * time.Millisecond}, {2000, 5 * time.Second}}

// maxStatusBytes is issue #15's bound on a big PipelineRun's status.
const maxStatusBytes = 1536 << 10

// dagRow is one fan-out's figures.
type dagRow struct {
	n           int
	took        time.Duration
	target      time.Duration
	statusBytes int
}

// chain60Row is the 60-task chain's figures.
type chain60Row struct {
	n          int
	took       time.Duration
	cpuSeconds float64
}

// fanOutRun is n independent one-step tasks.
func fanOutRun(name, ns string, n int) *pipelinev1.PipelineRun {
	pr := &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       pipelinev1.PipelineRunSpec{PipelineSpec: &pipelinev1.PipelineSpec{}},
	}
	for i := range n {
		pr.Spec.PipelineSpec.Tasks = append(pr.Spec.PipelineSpec.Tasks, pipelinev1.PipelineTask{
			Name:     fmt.Sprintf("t%d", i),
			TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: *taskRun("x", 1, "true").Spec.TaskSpec},
		})
	}
	return pr
}

func benchDAG(ctx context.Context, cl *cluster, o options, r *report) error {
	for _, d := range dagTargets {
		row, err := cl.fanOut(ctx, fmt.Sprintf("dag-%d", d.n), d.n)
		if err != nil {
			return err
		}
		row.target = d.target
		r.dags = append(r.dags, row)
		fmt.Printf("  %d TaskRuns exist after %v; status %d bytes\n", d.n, row.took, row.statusBytes)
	}
	return nil
}

// fanOut creates an n-task fan-out, waits for all its TaskRuns, measures
// the PipelineRun's status once it lists them, and deletes the run.
func (cl *cluster) fanOut(ctx context.Context, name string, n int) (dagRow, error) {
	pr := fanOutRun(name, cl.ns, n)
	done, err := cl.countUntil(ctx, &pipelinev1.TaskRunList{}, n, 5*time.Minute, client.MatchingLabels{"tekton.dev/pipelineRun": name})
	if err != nil {
		return dagRow{}, err
	}
	start := time.Now()
	if err := cl.c.Create(ctx, pr); err != nil {
		return dagRow{}, err
	}
	if err := <-done; err != nil {
		return dagRow{}, fmt.Errorf("waiting for TaskRuns: %w", err)
	}
	row := dagRow{n: n, took: time.Since(start)}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		got := &pipelinev1.PipelineRun{}
		if err := cl.c.Get(ctx, types.NamespacedName{Namespace: cl.ns, Name: name}, got); err == nil && len(got.Status.ChildReferences) >= n {
			b, _ := json.Marshal(got.Status)
			row.statusBytes = len(b)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return row, cl.c.Delete(ctx, pr, client.PropagationPolicy(metav1.DeletePropagationBackground))
}

// benchChain60 runs a 60-task chain, each task consuming the previous
// one's result (Tekton #3521 pins a CPU for minutes planning one), and
// reports the controller's CPU time over the whole run.
func benchChain60(ctx context.Context, cl *cluster, o options, r *report) error {
	const n = 60
	before, err := controllerCPU(ctx, cl)
	if err != nil {
		return err
	}
	d, err := cl.timeToDone(ctx, chainPipelineRun("chain-60", n), &pipelinev1.PipelineRunList{}, pipelineRunSucceeded)
	if err != nil {
		return err
	}
	after, err := controllerCPU(ctx, cl)
	if err != nil {
		return err
	}
	r.chain60 = &chain60Row{n: n, took: d, cpuSeconds: after - before}
	fmt.Printf("  %d-task chain: %v, controller CPU %.2f s\n", n, d, after-before)
	return nil
}

// controllerCPU is the leading controller process's user+system CPU time
// in seconds.
func controllerCPU(ctx context.Context, cl *cluster) (float64, error) {
	dir, err := controllerProc(ctx, cl)
	if err != nil {
		return 0, err
	}
	return procCPU(dir)
}

func (r *report) bigPipelineRows() [][4]string {
	var rows [][4]string
	for _, d := range r.dags {
		ok := d.took <= d.target && d.statusBytes > 0 && d.statusBytes <= maxStatusBytes
		rows = append(rows, [4]string{fmt.Sprintf("%d-task PipelineRun → all TaskRuns exist (node cordoned)", d.n),
			fmt.Sprintf("%s; status %d KiB", secs(d.took), d.statusBytes>>10), "",
			verdict(ok, fmt.Sprintf("target ≤ %s, status ≤ 1.5 MiB", secs(d.target)))})
	}
	if c := r.chain60; c != nil {
		rows = append(rows, [4]string{fmt.Sprintf("%d-task chain, each task consuming the previous one's result", c.n),
			fmt.Sprintf("%s; controller CPU %.2f s", secs(c.took), c.cpuSeconds), "Tekton #3521: a CPU pinned for minutes",
			verdict(c.cpuSeconds <= 0.5*c.took.Seconds(), "planning O(N): controller CPU well under the run's time")})
	}
	return rows
}
