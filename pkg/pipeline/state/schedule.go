package state

import (
	"fmt"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// checkParams reports required pipeline params the run does not provide,
// and when expressions this engine cannot evaluate.
func (e *evaluation) checkParams() string {
	given := map[string]bool{}
	for _, p := range e.pr.Spec.Params {
		given[p.Name] = true
	}
	var missing []string
	for _, p := range e.in.Spec.Params {
		if p.Default == nil && !given[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("PipelineRun %q is missing values for pipeline parameters %s", e.pr.Name, strings.Join(missing, ", "))
	}
	return ""
}

// observe assigns each task its existing TaskRuns (by the pipelineTask
// label) and a provisional phase, so that "is the run stopping?" is known
// before anything is scheduled.
func (e *evaluation) observe() {
	own := map[string][]*v1.TaskRun{}
	for _, tr := range e.in.TaskRuns {
		if n := tr.Labels[resources.LabelPipelineTask]; n != "" {
			own[n] = append(own[n], tr)
		}
	}
	for _, ts := range e.all() {
		ts.runs = own[ts.name]
		// A held TaskRun that is done (cancelled by hand) counts as run.
		if len(ts.runs) == 1 && resources.IsHeld(ts.runs[0]) && !ts.runs[0].IsDone() {
			ts.held, ts.runs = ts.runs[0], nil
		}
		ts.matrixed = ts.pt.IsMatrixed()
		if len(ts.runs) > 0 {
			ts.phase, ts.reason = runsPhase(ts.runs, true)
			ts.ignored = ts.phase == phaseFailed && ts.pt.OnError == v1.PipelineTaskContinue
		}
	}
}

// runsPhase folds the phases of a task's TaskRuns: running while any runs
// or is still to be created (complete false), otherwise the worst of
// succeeded < failed < cancelled.
func runsPhase(runs []*v1.TaskRun, complete bool) (phase, string) {
	if len(runs) == 0 {
		return phasePending, ""
	}
	worst, reason := phaseSucceeded, ""
	for _, tr := range runs {
		if tr == nil {
			complete = false
			continue
		}
		p, r := runPhase(tr)
		if p == phaseRunning {
			complete = false
			continue
		}
		if reason == "" || p > worst {
			worst, reason = p, r
		}
	}
	if !complete {
		return phaseRunning, ""
	}
	return worst, reason
}

func runPhase(tr *v1.TaskRun) (phase, string) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c != nil && c.IsTrue():
		return phaseSucceeded, c.Reason
	case c != nil && c.IsFalse() && c.Reason == v1.TaskRunReasonCancelled.String():
		return phaseCancelled, c.Reason
	case c != nil && c.IsFalse():
		return phaseFailed, c.Reason
	case tr.Spec.Status == v1.TaskRunSpecStatusCancelled:
		// Cancellation requested: count it as cancelled now, so that finally
		// tasks need not wait for the TaskRun controller to confirm.
		return phaseCancelled, v1.TaskRunReasonCancelled.String()
	}
	return phaseRunning, ""
}

// stopping reports whether an ordinary task failed (without onError:
// continue) or was cancelled: no new ordinary tasks start then.
func (e *evaluation) stopping() bool {
	for _, ts := range e.tasks {
		if (ts.phase == phaseFailed && !ts.ignored) || ts.phase == phaseCancelled {
			return true
		}
	}
	return false
}

// schedule evaluates every task in dependency order.
func (e *evaluation) schedule() error {
	e.applyStops()
	stopReason := e.stopReason()
	seen := make(map[string]bool, len(e.tasks))
	for len(seen) < len(e.tasks) {
		next := e.in.Graph.Runnable(seen)
		if len(next) == 0 {
			return fmt.Errorf("pipeline graph has unreachable tasks")
		}
		for _, name := range next {
			if err := e.evaluateTask(e.byName[name], stopReason); err != nil {
				return err
			}
			seen[name] = true
		}
	}
	if !e.tasksTerminal() || len(e.finally) == 0 {
		return nil
	}
	addStatuses(e.base, e.tasks)
	finallyStop := v1.SkippingReason("")
	if e.finallyTimedOut() {
		finallyStop = v1.FinallyTimedOutSkip
	}
	for _, ts := range e.finally {
		if err := e.evaluateTask(ts, finallyStop); err != nil {
			return err
		}
	}
	return nil
}

// stopReason is why unstarted ordinary tasks must not start, if they must not.
func (e *evaluation) stopReason() v1.SkippingReason {
	switch {
	case e.stopping():
		return v1.StoppingSkip
	case e.pr.IsGracefullyCancelled():
		return v1.GracefullyCancelledSkip
	case e.pr.IsGracefullyStopped():
		return v1.GracefullyStoppedSkip
	case e.tasksTimedOut():
		return v1.TasksTimedOutSkip
	}
	return ""
}

func (e *evaluation) tasksTerminal() bool {
	for _, ts := range e.tasks {
		if !ts.phase.terminal() {
			return false
		}
	}
	return true
}

// evaluateTask decides the phase of one task whose dependencies have been
// evaluated, and what to create for it.
func (e *evaluation) evaluateTask(ts *taskState, stop v1.SkippingReason) error {
	if len(ts.runs) == 0 {
		// A task's own reasons (parents, results, when) win over the run's
		// stop reason, so that a reason never changes once reported.
		var r v1.SkippingReason
		switch {
		case !ts.finally && e.parentSkipped(ts):
			r = v1.ParentTasksSkip
		case e.depsTerminal(ts):
			r = e.skipReason(ts)
		}
		if r == "" {
			r = stop
		}
		if r != "" {
			e.markSkipped(ts, r)
			return nil
		}
		if !e.depsTerminal(ts) {
			return nil
		}
	}
	if err := e.resolve(ts); err != nil {
		return err
	}
	if ts.phase.terminal() {
		addResults(e.base, ts)
	}
	return nil
}

func (e *evaluation) depsTerminal(ts *taskState) bool {
	for _, d := range e.in.Graph.Deps(ts.name) {
		if !e.byName[d].phase.terminal() {
			return false
		}
	}
	return true
}

func (e *evaluation) markSkipped(ts *taskState, r v1.SkippingReason) {
	ts.phase, ts.skip, ts.when = phaseSkipped, r, ts.pt.When
	e.discard(ts)
}

// parentSkipped reports whether a dependency was skipped for a reason other
// than its own when expressions; such skips cascade (Tekton's semantics).
func (e *evaluation) parentSkipped(ts *taskState) bool {
	for _, d := range e.in.Graph.Deps(ts.name) {
		if dep := e.byName[d]; dep.phase == phaseSkipped && dep.skip != v1.WhenExpressionsSkip {
			return true
		}
	}
	return false
}

// skipReason checks, in Tekton's order, why a ready task must not run.
func (e *evaluation) skipReason(ts *taskState) v1.SkippingReason {
	for _, ref := range v1.PipelineTaskResultRefs(ts.pt) {
		if !hasResult(e.base, ref) {
			return v1.MissingResultsSkip
		}
	}
	ts.when = resolveWhen(ts.pt.When, e.taskValues(ts))
	ok, err := whenAllows(ts.when)
	if err != nil && e.celErr == nil {
		e.celErr = fmt.Errorf("pipeline task %q: %w", ts.name, err)
	}
	if !ok {
		return v1.WhenExpressionsSkip
	}
	if ts.matrixed {
		for _, p := range resolveParams(ts.pt.Matrix.Params, e.base) {
			if p.Value.Type == v1.ParamTypeArray && len(p.Value.ArrayVal) == 0 {
				return v1.EmptyArrayInMatrixParams
			}
		}
	}
	return ""
}

// taskValues adds the per-task context to the shared values.
func (e *evaluation) taskValues(ts *taskState) substitution.Values {
	e.base.Strings["context.pipelineTask.retries"] = itoa(ts.pt.Retries)
	return e.base
}

// resolve substitutes the task, fans out its matrix, and lists its TaskRuns:
// existing ones and those to create.
func (e *evaluation) resolve(ts *taskState) error {
	v := e.taskValues(ts)
	pt := *ts.pt.DeepCopy()
	pt.Params = resolveParams(pt.Params, v)
	pt.When = resolveWhen(pt.When, v)
	pt.DisplayName = v.String(pt.DisplayName)
	for i := range pt.Workspaces {
		pt.Workspaces[i].SubPath = v.String(pt.Workspaces[i].SubPath)
	}
	if pt.TaskRef != nil {
		pt.TaskRef.Name = v.String(pt.TaskRef.Name)
	}
	ts.when = pt.When
	combos, err := e.combinations(ts, pt, v)
	if err != nil {
		return err
	}
	pt.Matrix = nil
	ts.names, ts.launches = nil, nil
	existing := map[string]*v1.TaskRun{}
	for _, tr := range ts.runs {
		existing[tr.Name] = tr
	}
	ts.runs = nil
	for i, combo := range combos {
		idx := -1
		if ts.matrixed {
			idx = i
		}
		name := resources.TaskRunName(e.pr.Name, ts.name, idx)
		ts.names = append(ts.names, name)
		tr := existing[name]
		ts.runs = append(ts.runs, tr)
		if tr == nil {
			l := propagate(pt, v, e.pr.Spec.Workspaces)
			l.Params = mergeParams(pt.Params, combo)
			ts.launches = append(ts.launches, Launch{Name: name, Task: l, Finally: ts.finally, Timeout: e.launchTimeout(ts)})
		}
	}
	e.release(ts)
	ts.phase, ts.reason = runsPhase(ts.runs, len(ts.launches) == 0)
	ts.ignored = ts.phase == phaseFailed && ts.pt.OnError == v1.PipelineTaskContinue
	return nil
}

// combinations fans out the task's matrix; a task without one has a single
// empty combination.
func (e *evaluation) combinations(ts *taskState, pt v1.PipelineTask, v substitution.Values) ([]v1.Params, error) {
	if !ts.matrixed {
		return []v1.Params{nil}, nil
	}
	m := v1.Matrix{Params: resolveParams(pt.Matrix.Params, v)}
	for _, inc := range pt.Matrix.Include {
		m.Include = append(m.Include, v1.IncludeParams{Name: inc.Name, Params: resolveParams(inc.Params, v)})
	}
	for _, p := range m.Params {
		if p.Value.Type != v1.ParamTypeArray {
			return nil, fmt.Errorf("pipeline task %q: matrix param %q must be an array, got %s", ts.name, p.Name, p.Value.Type)
		}
	}
	if n, max := m.CountCombinations(), e.in.Config.MaxMatrixCombinations; max > 0 && n > max {
		return nil, fmt.Errorf("pipeline task %q: matrix has %d combinations, more than the maximum of %d (config key max-matrix-combinations)", ts.name, n, max)
	}
	combos := m.FanOut()
	if len(combos) == 0 {
		return nil, fmt.Errorf("pipeline task %q: matrix yields no combinations", ts.name)
	}
	return combos, nil
}

// mergeParams returns params with the combination's values over them.
func mergeParams(params, combo v1.Params) v1.Params {
	if len(combo) == 0 {
		return params
	}
	out := make(v1.Params, 0, len(params)+len(combo))
	set := map[string]bool{}
	for _, c := range combo {
		set[c.Name] = true
	}
	for _, p := range params {
		if !set[p.Name] {
			out = append(out, p)
		}
	}
	out = append(out, combo...)
	return out
}
