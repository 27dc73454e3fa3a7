package state

import (
	"encoding/json"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// Release is a held TaskRun to release (docs/design.md D25): its params
// with the values it waited for, and without resources.AnnotationHeld.
type Release struct {
	Name   string
	Params v1.Params
}

// MaxHeld bounds the held TaskRuns of one PipelineRun: a wide fan-out
// gets that many pods ahead of time, not one per task.
const MaxHeld = 10

// resultRefPrefix starts every reference to another task's results or
// status: what a held TaskRun may not know yet.
const resultRefPrefix = "$(tasks."

// release turns the launch of a task that has a held TaskRun into the
// TaskRun's release, and counts the held TaskRun as the task's run.
func (e *evaluation) release(ts *taskState) {
	if ts.held == nil {
		return
	}
	for i, l := range ts.launches {
		if l.Name != ts.held.Name {
			continue
		}
		ts.release = &Release{Name: l.Name, Params: l.Task.Params}
		ts.launches = append(ts.launches[:i], ts.launches[i+1:]...)
		for j, n := range ts.names {
			if n == l.Name {
				ts.runs[j] = ts.held
			}
		}
		return
	}
}

// discard lists a held TaskRun whose task will not run: it is deleted,
// never started.
func (e *evaluation) discard(ts *taskState) {
	if ts.held != nil && ts.release == nil {
		e.discards = append(e.discards, ts.held)
		ts.held = nil
	}
}

// eager returns the held TaskRun to create ahead of time for a pending
// task, if eager scheduling is on and the task qualifies: an ordinary
// (not custom, not a pipeline), unmatrixed task without when expressions, whose dependencies have
// succeeded or run (none of them held, at least one running), and whose
// wait for their results is confined to string params.
func (e *evaluation) eager(ts *taskState) (Launch, bool) {
	if !e.in.Config.EagerScheduling || ts.phase != phasePending || ts.held != nil || len(ts.runs) > 0 ||
		ts.finally || ts.matrixed || len(ts.pt.When) > 0 || resources.IsCustomTask(ts.pt) || resources.IsChildPipeline(ts.pt) {
		return Launch{}, false
	}
	var running []string
	for _, d := range e.in.Graph.Deps(ts.name) {
		switch e.byName[d].phase {
		case phaseRunning:
			running = append(running, d)
		case phaseSucceeded:
		default:
			return Launch{}, false
		}
	}
	if len(running) == 0 {
		return Launch{}, false
	}
	v := e.taskValues(ts)
	pt := *ts.pt.DeepCopy()
	pt.Params = resolveParams(pt.Params, v)
	for i, p := range pt.Params {
		if !unresolved(p.Value) {
			continue
		}
		if p.Value.Type != v1.ParamTypeString || strings.Contains(p.Value.StringVal, "[*])") {
			return Launch{}, false // a whole array or object result makes it another type
		}
		pt.Params[i].Value = *v1.NewStructuredValues(resources.HeldToken(p.Name))
	}
	pt.DisplayName = v.String(pt.DisplayName)
	l := propagate(pt, v, e.pr.Spec.Workspaces)
	rest := l.DeepCopy()
	rest.Params = nil
	if b, err := json.Marshal(rest); err != nil || strings.Contains(string(b), resultRefPrefix) {
		return Launch{}, false
	}
	name := resources.TaskRunName(e.pr.Name, ts.name, -1)
	return Launch{Name: name, Task: l, Timeout: e.launchTimeout(ts), HeldFor: running}, true
}

// planEager adds the held TaskRuns that exist or are to be created to p,
// at most MaxHeld of them.
func (e *evaluation) planEager(p *Plan) {
	held := 0
	for _, ts := range e.tasks {
		if ts.held != nil && ts.release == nil {
			held++
			p.ChildReferences = append(p.ChildReferences, childRef(ts, ts.held.Name))
		}
	}
	for _, ts := range e.tasks {
		if held >= MaxHeld {
			return
		}
		if l, ok := e.eager(ts); ok {
			held++
			p.Create = append(p.Create, l)
			p.ChildReferences = append(p.ChildReferences, childRef(ts, l.Name))
		}
	}
}
