package state_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func withFinally(spec v1.PipelineSpec, f ...v1.PipelineTask) v1.PipelineSpec {
	spec.Finally = append(spec.Finally, f...)
	return spec
}

func specStatus(s v1.PipelineRunSpecStatus) func(*v1.PipelineRun) {
	return func(pr *v1.PipelineRun) { pr.Spec.Status = s }
}

func timeouts(pipeline, tasks, finally time.Duration) func(*v1.PipelineRun) {
	return func(pr *v1.PipelineRun) {
		d := func(x time.Duration) *metav1.Duration {
			if x == 0 {
				return nil
			}
			return &metav1.Duration{Duration: x}
		}
		pr.Spec.Timeouts = &v1.TimeoutFields{Pipeline: d(pipeline), Tasks: d(tasks), Finally: d(finally)}
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	twoTasks := v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("b", "after=a")}}
	finallyStatus := pt("f", "all=$(tasks.status)", "a=$(tasks.a.status)")
	tests := []struct {
		name string
		f    fixture
		want summary
	}{{
		name: "diamond starts at its root",
		f:    fixture{spec: diamond()},
		want: summary{Create: []string{"run-a"}, Reason: "Running", Message: running(4)},
	}, {
		name: "diamond fans out when the root is done",
		f:    fixture{spec: diamond(), trs: []*v1.TaskRun{tr("a", -1, "ok", "out=1")}},
		want: summary{Create: []string{"run-b", "run-c"}, Reason: "Running", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0"},
	}, {
		name: "diamond fan-in waits for both parents",
		f:    fixture{spec: diamond(), trs: []*v1.TaskRun{tr("a", -1, "ok", "out=1"), tr("b", -1, "ok", "out=2"), tr("c", -1, "run")}},
		want: summary{Reason: "Running", Message: "Tasks Completed: 2 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"},
	}, {
		name: "diamond succeeds",
		f: fixture{spec: diamond(), trs: []*v1.TaskRun{
			tr("a", -1, "ok", "out=1"), tr("b", -1, "ok", "out=2"), tr("c", -1, "ok", "out=3"), tr("d", -1, "ok", "out=4")}},
		want: summary{Reason: "Succeeded", Message: "Tasks Completed: 4 (Failed: 0, Cancelled 0), Skipped: 0", Done: true},
	}, {
		name: "missing result skips the consumer and cascades",
		f:    fixture{spec: diamond(), trs: []*v1.TaskRun{tr("a", -1, "ok")}},
		want: summary{Create: []string{"run-c"}, Skipped: map[string]v1.SkippingReason{"b": v1.MissingResultsSkip, "d": v1.ParentTasksSkip},
			Reason: "Running", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 2"},
	}, {
		name: "when false skips only the task itself",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{
			pt("a", "when=$(params.env) in prod"), pt("b", "after=a"), pt("c", "x=$(tasks.a.results.r)")},
			Params: v1.ParamSpecs{{Name: "env", Default: v1.NewStructuredValues("dev")}}}},
		want: summary{Create: []string{"run-b"}, Skipped: map[string]v1.SkippingReason{"a": v1.WhenExpressionsSkip, "c": v1.MissingResultsSkip},
			Reason: "Running", Message: "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 2"},
	}, {
		name: "when notin with a result runs",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("b", "when=$(tasks.a.results.r) notin x,y")}},
			trs: []*v1.TaskRun{tr("a", -1, "ok", "r=z")}},
		want: summary{Create: []string{"run-b"}, Reason: "Running", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 0"},
	}, {
		name: "all skipped by when is Completed",
		f:    fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a"), pt("b", "when=$(tasks.a.results.r) in x")}}, trs: []*v1.TaskRun{tr("a", -1, "ok", "r=z")}},
		want: summary{Skipped: map[string]v1.SkippingReason{"b": v1.WhenExpressionsSkip}, Reason: "Completed",
			Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 1", Done: true},
	}, {
		name: "failure stops the DAG and starts finally",
		f:    fixture{spec: withFinally(twoTasks, finallyStatus), trs: []*v1.TaskRun{tr("a", -1, "fail")}},
		want: summary{Create: []string{"run-f"}, Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip},
			Reason: "PipelineRunStopping", Message: "Tasks Completed: 1 (Failed: 1, Cancelled 0), Incomplete: 1, Skipped: 1"},
	}, {
		name: "failure with finally done fails",
		f:    fixture{spec: withFinally(twoTasks, finallyStatus), trs: []*v1.TaskRun{tr("a", -1, "fail"), tr("f", -1, "ok")}},
		want: summary{Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip}, Reason: "Failed",
			Message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1", Done: true},
	}, {
		name: "onError continue lets dependents run and succeeds",
		f: fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a", "continue"), pt("b", "after=a")}},
			trs: []*v1.TaskRun{tr("a", -1, "fail"), tr("b", -1, "ok")}},
		want: summary{Reason: "Succeeded", Message: "Tasks Completed: 2 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0", Done: true},
	}, {
		name: "pipeline timeout cancels everything",
		f: fixture{spec: withFinally(twoTasks, pt("f")), run: timeouts(time.Hour, 0, 0), elapsed: 2 * time.Hour,
			trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: summary{Cancel: []string{"run-a"}, Skipped: map[string]v1.SkippingReason{"b": v1.PipelineTimedOutSkip, "f": v1.PipelineTimedOutSkip},
			Reason: "PipelineRunTimeout", Message: `PipelineRun "run" failed to finish within "1h0m0s"`, Done: true},
	}, {
		name: "tasks timeout cancels tasks and runs finally",
		f: fixture{spec: withFinally(twoTasks, pt("f")), run: timeouts(time.Hour, 10*time.Minute, 0), elapsed: 11 * time.Minute,
			trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: summary{Create: []string{"run-f"}, Cancel: []string{"run-a"}, Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip},
			Reason: "PipelineRunTimeoutRunningFinally", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 1), Incomplete: 1, Skipped: 1"},
	}, {
		name: "tasks timeout ends as PipelineRunTimeout",
		f: fixture{spec: withFinally(twoTasks, pt("f")), run: timeouts(time.Hour, 10*time.Minute, 0), elapsed: 11 * time.Minute,
			trs: []*v1.TaskRun{tr("a", -1, "cancel"), tr("f", -1, "ok")}},
		want: summary{Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip},
			Reason: "PipelineRunTimeout", Message: `PipelineRun "run" failed due to tasks failed to finish within "10m0s"`, Done: true},
	}, {
		name: "cancelled",
		f:    fixture{spec: withFinally(twoTasks, pt("f")), run: specStatus(v1.PipelineRunSpecStatusCancelled), trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: summary{Cancel: []string{"run-a"}, Reason: "Cancelled", Message: `PipelineRun "run" was cancelled`, Done: true},
	}, {
		name: "cancelled run finally",
		f:    fixture{spec: withFinally(twoTasks, pt("f")), run: specStatus(v1.PipelineRunSpecStatusCancelledRunFinally), trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: summary{Create: []string{"run-f"}, Cancel: []string{"run-a"}, Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip},
			Reason: "CancelledRunningFinally", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 1), Incomplete: 1, Skipped: 1"},
	}, {
		name: "cancelled run finally finishes as Cancelled",
		f: fixture{spec: withFinally(twoTasks, pt("f")), run: specStatus(v1.PipelineRunSpecStatusCancelledRunFinally),
			trs: []*v1.TaskRun{tr("a", -1, "cancel"), tr("f", -1, "ok")}},
		want: summary{Skipped: map[string]v1.SkippingReason{"b": v1.StoppingSkip}, Reason: "Cancelled", Message: `PipelineRun "run" was cancelled`, Done: true},
	}, {
		name: "stopped run finally lets running tasks finish",
		f:    fixture{spec: withFinally(twoTasks, pt("f")), run: specStatus(v1.PipelineRunSpecStatusStoppedRunFinally), trs: []*v1.TaskRun{tr("a", -1, "run")}},
		want: summary{Skipped: map[string]v1.SkippingReason{"b": v1.GracefullyStoppedSkip},
			Reason: "StoppedRunningFinally", Message: "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 1"},
	}, {
		name: "stopped run finally runs finally after the running task",
		f: fixture{spec: withFinally(twoTasks, pt("f")), run: specStatus(v1.PipelineRunSpecStatusStoppedRunFinally),
			trs: []*v1.TaskRun{tr("a", -1, "ok")}},
		want: summary{Create: []string{"run-f"}, Skipped: map[string]v1.SkippingReason{"b": v1.GracefullyStoppedSkip},
			Reason: "StoppedRunningFinally", Message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 1, Skipped: 1"},
	}, {
		name: "missing pipeline param",
		f:    fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{pt("a")}, Params: v1.ParamSpecs{{Name: "url"}}}},
		want: summary{Reason: "PipelineRunValidationFailed", Message: `PipelineRun "run" is missing values for pipeline parameters url`, Done: true},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, summarize(evaluate(t, tc.f))); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
