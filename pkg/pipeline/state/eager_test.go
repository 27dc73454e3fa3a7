package state_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// held marks a fixture TaskRun as created ahead of its upstream tasks.
func held(r *v1.TaskRun) *v1.TaskRun {
	r.Annotations = map[string]string{resources.AnnotationHeld: "a"}
	r.Spec.Params = append(r.Spec.Params, v1.Param{Name: "res", Value: str(resources.HeldToken("res"))})
	return r
}

// eagerSummary is the gist of a Plan for eager scheduling.
type eagerSummary struct {
	Create   []string
	HeldFor  map[string][]string
	Params   map[string]map[string]v1.ParamValue
	Release  map[string]map[string]v1.ParamValue
	Discard  []string
	Children []string
}

func summarizeEager(p state.Plan) eagerSummary {
	s := eagerSummary{}
	for _, l := range p.Create {
		s.Create = append(s.Create, l.Name)
		if l.HeldFor != nil {
			if s.HeldFor == nil {
				s.HeldFor, s.Params = map[string][]string{}, map[string]map[string]v1.ParamValue{}
			}
			s.HeldFor[l.Name], s.Params[l.Name] = l.HeldFor, launchParams(l.Task)
		}
	}
	for _, r := range p.Release {
		if s.Release == nil {
			s.Release = map[string]map[string]v1.ParamValue{}
		}
		s.Release[r.Name] = launchParams(v1.PipelineTask{Params: r.Params})
	}
	for _, d := range p.Discard {
		s.Discard = append(s.Discard, d.Name)
	}
	for _, c := range p.ChildReferences {
		s.Children = append(s.Children, c.Name)
	}
	return s
}

func TestEagerScheduling(t *testing.T) {
	t.Parallel()
	chain := v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("b", "res=$(tasks.a.results.r)", "fixed=x-$(context.pipelineRun.name)"), pt("c", "after=b")}}
	token := str(resources.HeldToken("res"))
	tests := []struct {
		name string
		f    fixture
		want eagerSummary
	}{{
		name: "the next task is created held while its upstream runs, only one task ahead",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: eagerSummary{Create: []string{"run-b"}, HeldFor: map[string][]string{"run-b": {"a"}},
			Params:   map[string]map[string]v1.ParamValue{"run-b": {"res": token, "fixed": str("x-run")}},
			Children: []string{"run-a", "run-b"}},
	}, {
		name: "a held TaskRun waits while its upstream runs",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "run"), held(tr("b", -1, "run"))}},
		want: eagerSummary{Children: []string{"run-a", "run-b"}},
	}, {
		name: "a held TaskRun is released with the upstream results, and the task after it is held",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "ok", "r=R"), held(tr("b", -1, "run"))}},
		want: eagerSummary{Create: []string{"run-c"}, HeldFor: map[string][]string{"run-c": {"b"}},
			Params:   map[string]map[string]v1.ParamValue{"run-c": {}},
			Release:  map[string]map[string]v1.ParamValue{"run-b": {"res": str("R"), "fixed": str("x-run")}},
			Children: []string{"run-a", "run-b", "run-c"}},
	}, {
		name: "a held TaskRun whose upstream failed is discarded",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "fail"), held(tr("b", -1, "run"))}},
		want: eagerSummary{Discard: []string{"run-b"}, Children: []string{"run-a"}},
	}, {
		name: "a held TaskRun whose upstream lacks the result is discarded",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "ok"), held(tr("b", -1, "run"))}},
		want: eagerSummary{Discard: []string{"run-b"}, Children: []string{"run-a"}},
	}, {
		name: "a cancelled run discards its held TaskRuns",
		f: fixture{spec: chain, eager: true, run: specStatus(v1.PipelineRunSpecStatusCancelled),
			trs: []*v1.TaskRun{tr("a", -1, "run"), held(tr("b", -1, "run"))}},
		want: eagerSummary{Discard: []string{"run-b"}, Children: []string{"run-a"}},
	}, {
		name: "a held TaskRun cancelled by hand counts as a cancelled run",
		f:    fixture{spec: chain, eager: true, trs: []*v1.TaskRun{tr("a", -1, "run"), held(tr("b", -1, "cancel"))}},
		want: eagerSummary{Children: []string{"run-a", "run-b"}},
	}, {
		name: "off by configuration",
		f:    fixture{spec: chain, trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: eagerSummary{Children: []string{"run-a"}},
	}, {
		name: "a task with when expressions waits",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("b", "after=a", "when=x in x")}}, eager: true,
			trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: eagerSummary{Children: []string{"run-a"}},
	}, {
		name: "a result in an array param waits",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), arrayTask("b", "$(tasks.a.results.r)")}}, eager: true,
			trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: eagerSummary{Children: []string{"run-a"}},
	}, {
		name: "a result in the task's name waits",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), refTask("b", "$(tasks.a.results.r)")}}, eager: true,
			trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: eagerSummary{Children: []string{"run-a"}},
	}, {
		name: "a task after a finished and a running task is held for the running one",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("z"), pt("b", "after=a", "after=z")}}, eager: true,
			trs: []*v1.TaskRun{tr("a", -1, "run"), tr("z", -1, "ok")}},
		want: eagerSummary{Create: []string{"run-b"}, HeldFor: map[string][]string{"run-b": {"a"}},
			Params: map[string]map[string]v1.ParamValue{"run-b": {}}, Children: []string{"run-a", "run-z", "run-b"}},
	}}
	fan := v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a")}}
	for i := range state.MaxHeld + 2 {
		fan.Tasks = append(fan.Tasks, pt(fmt.Sprintf("w%02d", i), "after=a"))
	}
	t.Run("a wide fan-out gets MaxHeld TaskRuns ahead", func(t *testing.T) {
		t.Parallel()
		if got := evaluate(t, fixture{spec: fan, eager: true, trs: []*v1.TaskRun{tr("a", -1, "run")}}).Create; len(got) != state.MaxHeld {
			t.Errorf("created %d held TaskRuns, want %d", len(got), state.MaxHeld)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, summarizeEager(evaluate(t, tc.f))); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func arrayTask(name, item string) v1.PipelineTask {
	t := pt(name)
	t.Params = v1.Params{{Name: "list", Value: *v1.NewStructuredValues("x", item)}}
	return t
}

func refTask(name, ref string) v1.PipelineTask {
	t := pt(name, "after=a")
	t.TaskRef.Name = "t-" + ref
	return t
}
