package main

import (
	"context"
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
)

// chainLengths are the chains measured (issue #15).
var chainLengths = []int{5, 10}

// chainRow is one chain length's figures.
type chainRow struct {
	n            int
	slipway, raw series
}

// chainPipelineRun is n tasks one after another, each one short step,
// each consuming the result of the one before.
func chainPipelineRun(name string, n int) *pipelinev1.PipelineRun {
	pr := &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       pipelinev1.PipelineRunSpec{PipelineSpec: &pipelinev1.PipelineSpec{}},
	}
	for i := range n {
		spec := pipelinev1.TaskSpec{
			Results: []pipelinev1.TaskResult{{Name: "out"}},
			Steps:   []pipelinev1.Step{{Name: "s", Image: benchImage, Script: "printf x > $(results.out.path)"}},
		}
		pt := pipelinev1.PipelineTask{Name: fmt.Sprintf("t%d", i), TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: spec}}
		if i > 0 {
			pt.Params = pipelinev1.Params{{Name: "in", Value: *pipelinev1.NewStructuredValues(fmt.Sprintf("$(tasks.t%d.results.out)", i-1))}}
			pt.TaskSpec.Params = pipelinev1.ParamSpecs{{Name: "in"}}
			pt.TaskSpec.Steps[0].Script = "printf '$(params.in)x' > $(results.out.path)"
		}
		pr.Spec.PipelineSpec.Tasks = append(pr.Spec.PipelineSpec.Tasks, pt)
	}
	return pr
}

func pipelineRunSucceeded(o runtime.Object) (bool, error) {
	pr := o.(*pipelinev1.PipelineRun)
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c == nil || c.IsUnknown():
		return false, nil
	case c.IsTrue():
		return true, nil
	}
	return false, fmt.Errorf("PipelineRun failed: %s: %s", c.Reason, c.Message)
}

// rawChain is the floor: n raw Pods, each created once the one before
// succeeded.
func (cl *cluster) rawChain(ctx context.Context, label string, n int) (time.Duration, error) {
	var total time.Duration
	for j := range n {
		d, err := cl.timeToDone(ctx, rawPod(fmt.Sprintf("%s-%d", sanitize(label), j), 1, false, "true"), &corev1.PodList{}, podSucceeded)
		if err != nil {
			return 0, err
		}
		total += d
	}
	return total, nil
}

// benchChain measures each chain against its floor, interleaved.
func benchChain(ctx context.Context, cl *cluster, o options, r *report) error {
	runs := min(o.runs, 3)
	for _, n := range chainLengths {
		row := chainRow{n: n, slipway: series{name: fmt.Sprintf("chain %d", n)}, raw: series{name: fmt.Sprintf("raw chain %d", n)}}
		for i := range runs {
			raw, err := cl.rawChain(ctx, fmt.Sprintf("raw chain %d %d", n, i), n)
			if err != nil {
				return err
			}
			d, err := cl.timeToDone(ctx, chainPipelineRun(fmt.Sprintf("chain-%d-%d", n, i), n), &pipelinev1.PipelineRunList{}, pipelineRunSucceeded)
			if err != nil {
				return err
			}
			row.raw.add(raw)
			row.slipway.add(d)
			fmt.Printf("  chain of %2d run %d: PipelineRun %v, raw Pods one after another %v\n", n, i, d.Round(time.Millisecond), raw.Round(time.Millisecond))
		}
		r.chains = append(r.chains, row)
	}
	return nil
}

// chainRows are the report rows of the chains.
func (r *report) chainRows() [][4]string {
	var rows [][4]string
	for _, c := range r.chains {
		ratio := c.slipway.median().Seconds() / c.raw.median().Seconds()
		rows = append(rows, [4]string{fmt.Sprintf("%d-task chain PipelineRun, each task consuming the previous one's result", c.n),
			c.slipway.String(), fmt.Sprintf("%d raw Pods one after another: %s", c.n, c.raw.String()),
			verdict(ratio <= 0.5, fmt.Sprintf("%.2f× the floor (targets ≤ 1×, then ≤ 0.5×)", ratio))})
	}
	return rows
}
