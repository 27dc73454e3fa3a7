package state

import (
	"fmt"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// cancel ends the whole run now: every running TaskRun is cancelled and the
// run fails with reason and message (formatted with the run's name and,
// for timeouts, the pipeline timeout).
func (e *evaluation) cancel(reason, format string, msg v1.TaskRunSpecStatusMessage) Plan {
	p := Plan{Done: true}
	for _, ts := range e.all() {
		e.discard(ts)
		for _, tr := range ts.runs {
			if ph, _ := runPhase(tr); ph == phaseRunning {
				p.Cancel = append(p.Cancel, Cancel{Name: tr.Name, Message: msg})
			}
			p.ChildReferences = append(p.ChildReferences, childRef(ts, tr.Name))
		}
		if len(ts.runs) == 0 && reason == v1.PipelineRunReasonTimedOut.String() {
			p.SkippedTasks = append(p.SkippedTasks, v1.SkippedTask{Name: ts.name, Reason: v1.PipelineTimedOutSkip, WhenExpressions: ts.pt.When})
		}
	}
	text := fmt.Sprintf(format, e.pr.Name)
	if strings.Count(format, "%q") == 2 {
		text = fmt.Sprintf(format, e.pr.Name, e.pipelineTimeout.String())
	}
	p.Condition = apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: reason, Message: text}
	p.Discard = e.discards
	return p
}

func childRef(ts *taskState, name string) v1.ChildStatusReference {
	ref := v1.ChildStatusReference{Name: name, PipelineTaskName: ts.name, DisplayName: ts.pt.DisplayName, WhenExpressions: ts.when}
	ref.APIVersion, ref.Kind = "tekton.dev/v1", "TaskRun"
	switch {
	case resources.IsCustomTask(ts.pt):
		ref.APIVersion, ref.Kind = "tekton.dev/v1beta1", "CustomRun"
	case resources.IsChildPipeline(ts.pt):
		ref.Kind = "PipelineRun"
	}
	return ref
}

// counts tallies pipeline tasks for the condition message.
type counts struct {
	succeeded, failed, ignored, cancelled, skipped, incomplete int
}

func (e *evaluation) count() counts {
	var c counts
	for _, ts := range e.all() {
		switch {
		case ts.phase == phaseSucceeded:
			c.succeeded++
		case ts.phase == phaseFailed && ts.ignored:
			c.ignored++
		case ts.phase == phaseFailed:
			c.failed++
		case ts.phase == phaseCancelled:
			c.cancelled++
		case ts.phase == phaseSkipped:
			c.skipped++
		default:
			c.incomplete++
		}
	}
	return c
}

// plan turns the evaluated tasks into a Plan.
func (e *evaluation) plan() Plan {
	p := Plan{Cancel: e.cancels, FinallyStarted: len(e.finally) > 0 && e.tasksTerminal()}
	for _, ts := range e.all() {
		p.Create = append(p.Create, ts.launches...)
		for _, n := range ts.names {
			p.ChildReferences = append(p.ChildReferences, childRef(ts, n))
		}
		if ts.phase == phaseSkipped {
			p.SkippedTasks = append(p.SkippedTasks, v1.SkippedTask{Name: ts.name, Reason: ts.skip, WhenExpressions: ts.when})
		}
		if ts.release != nil {
			p.Release = append(p.Release, *ts.release)
		}
	}
	e.planEager(&p)
	p.Discard = e.discards
	c := e.count()
	p.Condition = e.condition(c)
	p.Done = c.incomplete == 0
	if p.Done {
		p.Results = e.results()
	} else {
		p.RequeueAfter = e.requeueAfter(p.FinallyStarted)
	}
	return p
}

// condition is the Succeeded condition for the counts, in Tekton's words.
func (e *evaluation) condition(c counts) apis.Condition {
	cond := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown}
	completed := c.succeeded + c.failed + c.ignored + c.cancelled
	if c.incomplete > 0 {
		cond.Reason = e.runningReason(c)
		cond.Message = fmt.Sprintf("Tasks Completed: %d (Failed: %d, Cancelled %d), Incomplete: %d, Skipped: %d",
			completed, c.failed, c.cancelled, c.incomplete, c.skipped)
		return cond
	}
	if c.ignored > 0 {
		cond.Message = fmt.Sprintf("Tasks Completed: %d (Failed: %d (Ignored: %d), Cancelled %d), Skipped: %d",
			completed, c.failed+c.ignored, c.ignored, c.cancelled, c.skipped)
	} else {
		cond.Message = fmt.Sprintf("Tasks Completed: %d (Failed: %d, Cancelled %d), Skipped: %d",
			completed, c.failed, c.cancelled, c.skipped)
	}
	cond.Status, cond.Reason = corev1.ConditionTrue, v1.PipelineRunReasonSuccessful.String()
	if c.skipped > 0 {
		cond.Reason = v1.PipelineRunReasonCompleted.String()
	}
	fail := func(reason, msg string) {
		cond.Status, cond.Reason = corev1.ConditionFalse, reason
		if msg != "" {
			cond.Message = msg
		}
	}
	switch {
	case e.tasksTimedOut():
		fail(v1.PipelineRunReasonTimedOut.String(), fmt.Sprintf("PipelineRun %q failed due to tasks failed to finish within %q", e.pr.Name, e.tasksTimeout.String()))
	case e.finallyTimedOut() && e.pr.Status.FinallyStartTime != nil:
		fail(v1.PipelineRunReasonTimedOut.String(), fmt.Sprintf("PipelineRun %q failed due to finally tasks failed to finish within %q", e.pr.Name, e.finallyTimeout.String()))
	case c.failed > 0:
		fail(v1.PipelineRunReasonFailed.String(), "")
	case e.pr.IsGracefullyCancelled() || e.pr.IsGracefullyStopped():
		fail(v1.PipelineRunReasonCancelled.String(), fmt.Sprintf("PipelineRun %q was cancelled", e.pr.Name))
	case c.cancelled > 0:
		fail(v1.PipelineRunReasonCancelled.String(), "")
	}
	return cond
}

func (e *evaluation) runningReason(c counts) string {
	switch {
	case e.tasksTimedOut() && len(e.finally) > 0:
		return v1.PipelineRunReasonTimedOutRunningFinally.String()
	case e.pr.IsGracefullyCancelled():
		return v1.PipelineRunReasonCancelledRunningFinally.String()
	case e.pr.IsGracefullyStopped():
		return v1.PipelineRunReasonStoppedRunningFinally.String()
	case c.cancelled > 0 || c.failed > 0:
		return v1.PipelineRunReasonStopping.String()
	}
	return v1.PipelineRunReasonRunning.String()
}

// results resolves the pipeline's results. A result whose value still
// refers to a task result that does not exist is left out, as Tekton does.
func (e *evaluation) results() []v1.PipelineRunResult {
	var out []v1.PipelineRunResult
	for _, r := range e.in.Spec.Results {
		val := resolveValue(r.Value, e.base)
		if unresolved(val) {
			continue
		}
		out = append(out, v1.PipelineRunResult{Name: r.Name, Value: val})
	}
	return out
}

func unresolved(pv v1.ParamValue) bool {
	all := append([]string{pv.StringVal}, pv.ArrayVal...)
	for _, s := range pv.ObjectVal {
		all = append(all, s)
	}
	for _, s := range all {
		for _, ref := range substitution.References(s) {
			if strings.HasPrefix(ref, "tasks.") || strings.HasPrefix(ref, "finally.") {
				return true
			}
		}
	}
	return false
}
