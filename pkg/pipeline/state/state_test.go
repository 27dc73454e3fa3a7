package state_test

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/selection"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resources"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const prName = "run"

// pt builds a pipeline task; opts are "after=x", "p=value" (a param),
// "when=input in|notin v1,v2", "continue".
func pt(name string, opts ...string) v1.PipelineTask {
	t := v1.PipelineTask{Name: name, TaskRef: &v1.TaskRef{Name: "t"}}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "after":
			t.RunAfter = append(t.RunAfter, v)
		case "continue":
			t.OnError = v1.PipelineTaskContinue
		case "when":
			f := strings.Fields(v)
			t.When = append(t.When, v1.WhenExpression{Input: f[0], Operator: selectionOp(f[1]), Values: strings.Split(f[2], ",")})
		default:
			t.Params = append(t.Params, v1.Param{Name: k, Value: *v1.NewStructuredValues(v)})
		}
	}
	return t
}

// tr builds a child TaskRun of pipeline task name in phase ok|fail|cancel|run,
// with results given as "name=value".
func tr(name string, idx int, phase string, results ...string) *v1.TaskRun {
	r := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{
		Name:   resources.TaskRunName(prName, name, idx),
		Labels: map[string]string{resources.LabelPipelineTask: name},
	}}
	c := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: "Running"}
	switch phase {
	case "ok":
		c.Status, c.Reason = corev1.ConditionTrue, "Succeeded"
	case "fail":
		c.Status, c.Reason = corev1.ConditionFalse, "Failed"
	case "cancel":
		c.Status, c.Reason = corev1.ConditionFalse, "TaskRunCancelled"
	}
	r.Status.Conditions = duckv1.Conditions{c}
	for _, res := range results {
		k, v, _ := strings.Cut(res, "=")
		r.Status.Results = append(r.Status.Results, v1.TaskRunResult{Name: k, Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues(v)})
	}
	return r
}

type fixture struct {
	spec    v1.PipelineSpec
	run     func(*v1.PipelineRun)
	trs     []*v1.TaskRun
	elapsed time.Duration
	// eager turns eager scheduling on (D25); the other tests check
	// Tekton's order of creation.
	eager bool
}

func evaluate(t *testing.T, f fixture) state.Plan {
	t.Helper()
	pr := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: prName, Namespace: "ns", UID: "uid-1"}}
	pr.Status.StartTime = &metav1.Time{Time: t0}
	if f.run != nil {
		f.run(pr)
	}
	g, err := dag.Build(f.spec.Tasks, f.spec.Finally)
	if err != nil {
		t.Fatalf("dag.Build: %v", err)
	}
	cfg := config.Default()
	cfg.EagerScheduling = f.eager
	return state.Evaluate(state.Input{
		Run: pr, Spec: &f.spec, PipelineName: "pipe", Graph: g, TaskRuns: f.trs,
		Now: t0.Add(f.elapsed), Config: cfg,
	})
}

// summary is the comparable gist of a Plan.
type summary struct {
	Create  []string
	Cancel  []string
	Skipped map[string]v1.SkippingReason
	Reason  string
	Message string
	Done    bool
}

func summarize(p state.Plan) summary {
	s := summary{Reason: p.Condition.Reason, Message: p.Condition.Message, Done: p.Done}
	for _, l := range p.Create {
		s.Create = append(s.Create, l.Name)
	}
	for _, c := range p.Cancel {
		s.Cancel = append(s.Cancel, c.Name)
	}
	for _, sk := range p.SkippedTasks {
		if s.Skipped == nil {
			s.Skipped = map[string]v1.SkippingReason{}
		}
		s.Skipped[sk.Name] = sk.Reason
	}
	return s
}

func diamond() v1.PipelineSpec {
	return v1.PipelineSpec{
		Tasks: []v1.PipelineTask{
			pt("a"),
			pt("b", "in=$(tasks.a.results.out)"),
			pt("c", "after=a"),
			pt("d", "x=$(tasks.b.results.out)-$(tasks.c.results.out)"),
		},
		Results: []v1.PipelineResult{{Name: "final", Value: *v1.NewStructuredValues("$(tasks.d.results.out)")}},
	}
}

func running(n int) string {
	return "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: " + string(rune('0'+n)) + ", Skipped: 0"
}

func selectionOp(s string) selection.Operator { return selection.Operator(s) }
