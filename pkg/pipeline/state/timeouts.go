package state

import (
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setTimeouts reads the run's timeouts; zero means "none".
func (e *evaluation) setTimeouts() {
	e.pipelineTimeout = e.in.Config.DefaultTimeout
	if t := e.pr.Spec.Timeouts; t != nil && t.Pipeline != nil {
		e.pipelineTimeout = t.Pipeline.Duration
	}
	if d := e.pr.TasksTimeout(); d != nil {
		e.tasksTimeout = d.Duration
	}
	if d := e.pr.FinallyTimeout(); d != nil {
		e.finallyTimeout = d.Duration
	}
}

// timedOut reports whether d (from the run's start) has passed.
func (e *evaluation) timedOut(d time.Duration) bool {
	return d > 0 && e.in.Now.Sub(e.start) >= d
}

func (e *evaluation) tasksTimedOut() bool { return e.timedOut(e.tasksTimeout) }

// finallyStart is when finally tasks started: the recorded time, or now.
func (e *evaluation) finallyStart() time.Time {
	if t := e.pr.Status.FinallyStartTime; t != nil && !t.IsZero() {
		return t.Time
	}
	return e.in.Now
}

func (e *evaluation) finallyTimedOut() bool {
	return e.finallyTimeout > 0 && e.in.Now.Sub(e.finallyStart()) >= e.finallyTimeout
}

// launchTimeout bounds the task's own timeout (pipeline task, overridden by
// taskRunSpecs) by what is left of the tasks/finally and pipeline timeouts.
func (e *evaluation) launchTimeout(ts *taskState) *metav1.Duration {
	var cands []time.Duration
	own := ts.pt.Timeout
	if s := e.pr.GetTaskRunSpec(ts.name); s.Timeout != nil {
		own = s.Timeout
	}
	if own != nil {
		cands = append(cands, own.Duration)
	}
	if e.pipelineTimeout > 0 {
		cands = append(cands, e.start.Add(e.pipelineTimeout).Sub(e.in.Now))
	}
	if ts.finally && e.finallyTimeout > 0 {
		cands = append(cands, e.finallyStart().Add(e.finallyTimeout).Sub(e.in.Now))
	} else if !ts.finally && e.tasksTimeout > 0 {
		cands = append(cands, e.start.Add(e.tasksTimeout).Sub(e.in.Now))
	}
	best := time.Duration(-1)
	for _, c := range cands {
		if c == 0 && own != nil && c == own.Duration {
			continue // an explicit 0 on the task means "no timeout"
		}
		if best < 0 || c < best {
			best = c
		}
	}
	if best < 0 {
		return nil
	}
	if best < time.Second {
		best = time.Second
	}
	return &metav1.Duration{Duration: best.Round(time.Millisecond)}
}

// requeueAfter is the time until the next timeout that can still fire.
func (e *evaluation) requeueAfter(finallyStarted bool) time.Duration {
	var next time.Duration
	consider := func(at time.Time) {
		if d := at.Sub(e.in.Now); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	if e.pipelineTimeout > 0 {
		consider(e.start.Add(e.pipelineTimeout))
	}
	if e.tasksTimeout > 0 && !finallyStarted {
		consider(e.start.Add(e.tasksTimeout))
	}
	if e.finallyTimeout > 0 && finallyStarted {
		consider(e.finallyStart().Add(e.finallyTimeout))
	}
	return next
}

// applyStops cancels running TaskRuns that graceful cancellation or the
// tasks/finally timeouts end. The TaskRuns are treated as cancelled from
// now on.
func (e *evaluation) applyStops() {
	switch {
	case e.pr.IsGracefullyCancelled():
		e.cancelRunning(e.tasks, v1.TaskRunCancelledByPipelineMsg)
	case e.tasksTimedOut():
		e.cancelRunning(e.tasks, v1.TaskRunCancelledByPipelineTimeoutMsg)
	}
	if e.finallyTimedOut() {
		e.cancelRunning(e.finally, v1.TaskRunCancelledByPipelineTimeoutMsg)
	}
}

func (e *evaluation) cancelRunning(tasks []*taskState, msg v1.TaskRunSpecStatusMessage) {
	for _, ts := range tasks {
		changed := false
		for i, tr := range ts.runs {
			if p, _ := runPhase(tr); p != phaseRunning {
				continue
			}
			e.cancels = append(e.cancels, Cancel{Name: tr.Name, Message: msg})
			c := tr.DeepCopy()
			c.Spec.Status, c.Spec.StatusMessage = v1.TaskRunSpecStatusCancelled, msg
			ts.runs[i], changed = c, true
		}
		if changed {
			ts.phase, ts.reason = runsPhase(ts.runs, true)
		}
	}
}
