package task

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// ReasonTooLarge: the TaskRun with its status would exceed what the API
// server stores.
const ReasonTooLarge = "TaskRunTooLarge"

// fitStatus keeps tr within resources.MaxObjectBytes before its status is
// written: it first leaves out the status's copy of the task spec (a large
// embedded spec is stored once, in spec), then fails the run keeping only
// what says why (the pass after the write stops its pod, stopLeftover).
// Without it the write is refused on every pass and the run never finishes.
func fitStatus(tr *v1.TaskRun, fail func(*v1.TaskRun, string, string)) {
	if resources.ObjectSize(tr) <= resources.MaxObjectBytes {
		return
	}
	tr.Status.TaskSpec = nil
	size := resources.ObjectSize(tr)
	if size <= resources.MaxObjectBytes {
		return
	}
	kept := v1.TaskRunStatus{}
	kept.PodName, kept.StartTime, kept.RetriesStatus = tr.Status.PodName, tr.Status.StartTime, nil
	tr.Status = kept
	fail(tr, ReasonTooLarge, fmt.Sprintf("TaskRun %s/%s would be %d bytes with its status, over the %d bytes the API server stores: its steps and results are left out",
		tr.Namespace, tr.Name, size, resources.MaxObjectBytes))
}
