package state

import (
	"fmt"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// ReasonValidationFailed is the Succeeded reason for a PipelineRun whose
// spec cannot run (see docs/design.md D7).
const ReasonValidationFailed = "PipelineRunValidationFailed"

// Input is everything Evaluate looks at.
type Input struct {
	// Run is the PipelineRun, with defaults applied. Its status.startTime
	// must be set (Evaluate uses Now otherwise).
	Run *v1.PipelineRun
	// Spec is the resolved, defaulted and validated pipeline spec.
	Spec *v1.PipelineSpec
	// PipelineName is $(context.pipeline.name) and the tekton.dev/pipeline label.
	PipelineName string
	// Graph is dag.Build(Spec.Tasks, Spec.Finally).
	Graph *dag.Graph
	// TaskRuns are the run's children. Those whose names Evaluate does not
	// expect are ignored.
	TaskRuns []*v1.TaskRun
	// Now is the current time.
	Now time.Time
	// Config bounds matrices and provides the default timeout.
	Config *config.Config
}

// Launch is a TaskRun to create.
type Launch struct {
	// Name is the TaskRun name.
	Name string
	// Task is the resolved pipeline task: params and when substituted, the
	// matrix combination merged into params, Matrix cleared.
	Task v1.PipelineTask
	// Finally marks a finally task.
	Finally bool
	// Timeout is the TaskRun timeout bounded by the run's remaining
	// timeouts; nil leaves the TaskRun default.
	Timeout *metav1.Duration
	// HeldFor, when set, makes the TaskRun held (eager scheduling, D25):
	// the running upstream tasks it waits for. Params waiting for their
	// results hold resources.HeldToken placeholders.
	HeldFor []string
}

// Cancel is a running TaskRun to cancel.
type Cancel struct {
	// Name is the TaskRun name.
	Name string
	// Message is the TaskRun spec.statusMessage.
	Message v1.TaskRunSpecStatusMessage
}

// Plan is what Evaluate decides.
type Plan struct {
	// Create lists TaskRuns that should exist and do not, in spec order,
	// then the held ones to create ahead of time.
	Create []Launch
	// Release lists held TaskRuns whose upstream tasks are done.
	Release []Release
	// Discard lists held TaskRuns to delete, as last seen: their task
	// will not run.
	Discard []*v1.TaskRun
	// Cancel lists TaskRuns to cancel.
	Cancel []Cancel
	// Condition is the run's Succeeded condition (type, status, reason,
	// message; no time).
	Condition apis.Condition
	// Done is true when Condition is final.
	Done bool
	// ChildReferences lists every child TaskRun, existing or in Create.
	ChildReferences []v1.ChildStatusReference
	// SkippedTasks lists skipped pipeline tasks with their reasons.
	SkippedTasks []v1.SkippedTask
	// Results are the pipeline results, set when Done.
	Results []v1.PipelineRunResult
	// FinallyStarted is true once finally tasks may run (set
	// status.finallyStartTime if unset).
	FinallyStarted bool
	// RequeueAfter is when the next timeout falls due (0: none).
	RequeueAfter time.Duration
}

// phase is where a pipeline task stands.
type phase int

const (
	phasePending phase = iota // not started
	phaseRunning
	phaseSucceeded
	phaseFailed
	phaseCancelled
	phaseSkipped
)

func (p phase) terminal() bool { return p >= phaseSucceeded }

// taskState is the evaluation of one pipeline task.
type taskState struct {
	name     string
	pt       *v1.PipelineTask
	finally  bool
	matrixed bool
	// names are the expected TaskRun names, and runs the existing ones
	// (nil where missing), once the task is started or resolved.
	names   []string
	runs    []*v1.TaskRun
	phase   phase
	ignored bool // failed, but onError: continue
	skip    v1.SkippingReason
	reason  string // the child's Succeeded reason, for $(tasks.t.reason)
	when    v1.WhenExpressions
	// launches are the TaskRuns of this task that are still to be created.
	launches []Launch
	// held is the task's held TaskRun (not in runs until released), and
	// release its release when the task runs now.
	held    *v1.TaskRun
	release *Release
}

// Evaluate decides what to do next for a PipelineRun. It never fails: a
// spec that cannot run yields a failed Condition.
func Evaluate(in Input) Plan {
	e := newEvaluation(in)
	if msg := e.checkParams(); msg != "" {
		return failed(ReasonValidationFailed, msg)
	}
	e.observe()
	if e.pr.IsCancelled() {
		return e.cancel(v1.PipelineRunReasonCancelled.String(), "PipelineRun %q was cancelled", v1.TaskRunCancelledByPipelineMsg)
	}
	if e.timedOut(e.pipelineTimeout) {
		return e.cancel(v1.PipelineRunReasonTimedOut.String(), "PipelineRun %q failed to finish within %q", v1.TaskRunCancelledByPipelineTimeoutMsg)
	}
	if err := e.schedule(); err != nil {
		return failed(ReasonValidationFailed, err.Error())
	}
	if e.celErr != nil {
		return failed(v1.PipelineRunReasonCELEvaluationFailed.String(),
			fmt.Sprintf("Error evaluating CEL %s: %v", e.pr.Name, e.celErr))
	}
	return e.plan()
}

func failed(reason, msg string) Plan {
	return Plan{Done: true, Condition: apis.Condition{
		Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: reason, Message: msg,
	}}
}

// evaluation carries the working state of one Evaluate call.
type evaluation struct {
	in      Input
	pr      *v1.PipelineRun
	start   time.Time
	tasks   []*taskState // ordinary, spec order
	finally []*taskState // finally, spec order
	byName  map[string]*taskState
	trs     map[string]*v1.TaskRun
	base    substitution.Values
	cancels []Cancel
	// discards are held TaskRuns whose task will not run.
	discards []*v1.TaskRun
	// celErr is the first when expression whose CEL failed to evaluate.
	celErr error

	pipelineTimeout time.Duration
	tasksTimeout    time.Duration // 0: none
	finallyTimeout  time.Duration // 0: none
}

func newEvaluation(in Input) *evaluation {
	e := &evaluation{in: in, pr: in.Run, start: in.Now, byName: map[string]*taskState{}, trs: map[string]*v1.TaskRun{}}
	if st := in.Run.Status.StartTime; st != nil && !st.IsZero() {
		e.start = st.Time
	}
	for _, tr := range in.TaskRuns {
		e.trs[tr.Name] = tr
	}
	for i := range in.Spec.Tasks {
		ts := &taskState{name: in.Spec.Tasks[i].Name, pt: &in.Spec.Tasks[i]}
		e.tasks = append(e.tasks, ts)
		e.byName[ts.name] = ts
	}
	for i := range in.Spec.Finally {
		ts := &taskState{name: in.Spec.Finally[i].Name, pt: &in.Spec.Finally[i], finally: true}
		e.finally = append(e.finally, ts)
		e.byName[ts.name] = ts
	}
	e.base = RunValues(in.Run, in.Spec, in.PipelineName)
	e.setTimeouts()
	return e
}

// all returns ordinary then finally tasks.
func (e *evaluation) all() []*taskState {
	return append(append([]*taskState{}, e.tasks...), e.finally...)
}
