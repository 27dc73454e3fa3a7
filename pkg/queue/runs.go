package queue

import (
	"fmt"
	"strconv"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// AnnotationPriority orders a run in its queues: higher first (an
// integer, default 0); equal priorities go first come, first served.
const AnnotationPriority = "slipway.dev/priority"

// Labels Tekton sets on runs, naming their Pipeline or Task.
const (
	labelPipeline = "tekton.dev/pipeline"
	labelTask     = "tekton.dev/task"
)

// FromPipelineRun is what limits see of pr; a priority annotation that is
// not an integer is an error (the run fails with it).
func FromPipelineRun(pr *v1.PipelineRun) (*Run, error) {
	prio, err := priority(pr.Annotations)
	r := &Run{
		Kind: KindPipelineRun, Namespace: pr.Namespace, Name: pr.Name, Labels: pr.Labels,
		Of: pr.Labels[labelPipeline], Created: pr.CreationTimestamp.Time, Priority: prio,
		Started: pr.Status.StartTime != nil, Done: pr.IsDone(),
		Held:       pr.Status.StartTime == nil && (pr.IsPending() || pr.IsCancelled() || pr.IsGracefullyCancelled() || pr.IsGracefullyStopped()),
		Cancelling: pr.Status.StartTime != nil && (pr.IsCancelled() || pr.IsGracefullyCancelled() || pr.IsGracefullyStopped()),
	}
	if r.Of == "" && pr.Spec.PipelineRef != nil {
		r.Of = pr.Spec.PipelineRef.Name
	}
	return r, err
}

// FromTaskRun is what limits see of tr.
func FromTaskRun(tr *v1.TaskRun) (*Run, error) {
	prio, err := priority(tr.Annotations)
	cancelled := tr.Spec.Status == v1.TaskRunSpecStatusCancelled
	r := &Run{
		Kind: KindTaskRun, Namespace: tr.Namespace, Name: tr.Name, Labels: tr.Labels,
		Of: tr.Labels[labelTask], Created: tr.CreationTimestamp.Time, Priority: prio,
		Started: tr.Status.StartTime != nil, Done: tr.IsDone(),
		Held:       tr.Status.StartTime == nil && (tr.Spec.Status == v1.TaskRunSpecStatusPending || cancelled),
		Cancelling: tr.Status.StartTime != nil && cancelled,
	}
	if r.Of == "" && tr.Spec.TaskRef != nil {
		r.Of = tr.Spec.TaskRef.Name
	}
	return r, err
}

func priority(annotations map[string]string) (int, error) {
	v, ok := annotations[AnnotationPriority]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("annotation %s must be an integer, not %q", AnnotationPriority, v)
	}
	return n, nil
}
