package metrics

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// Tekton's values of the status label.
const (
	statusSuccess   = "success"
	statusFailed    = "failed"
	statusCancelled = "cancelled"
)

// Labels set by Tekton on runs, read for the metrics' labels.
const (
	labelPipeline     = resources.LabelPipeline
	labelPipelineTask = resources.LabelPipelineTask
	labelTask         = resources.LabelTask
	labelPipelineRun  = resources.LabelPipelineRun
)

// outcome is a finished run's status label and reason, ok false while it
// runs.
func outcome(c *apis.Condition, cancelled bool) (status, reason string, ok bool) {
	if c == nil || c.Status == corev1.ConditionUnknown {
		return "", "", false
	}
	switch {
	case c.Status == corev1.ConditionTrue:
		status = statusSuccess
	case cancelled:
		status = statusCancelled
	default:
		status = statusFailed
	}
	return status, c.Reason, true
}

// finished reports whether a run went from running to done between old
// and new: the one moment its duration is observed.
func finished(oldC, newC *apis.Condition) bool {
	_, _, wasDone := outcome(oldC, false)
	_, _, isDone := outcome(newC, false)
	return !wasDone && isDone
}

// PipelineRunDone observes a PipelineRun that has just finished.
func (m *Metrics) PipelineRunDone(pr *v1.PipelineRun) {
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	status, reason, ok := outcome(c, pr.IsCancelled())
	if !ok || pr.Status.StartTime == nil || pr.Status.CompletionTime == nil {
		return
	}
	d := pr.Status.CompletionTime.Sub(pr.Status.StartTime.Time).Seconds()
	pipeline := pr.Labels[labelPipeline]
	if pipeline == "" {
		pipeline = "anonymous"
	}
	m.prDuration.WithLabelValues(pipeline, pr.Namespace, status, reason).Observe(d)
	m.prTotal.WithLabelValues(status).Inc()
}

// TaskRunDone observes a TaskRun that has just finished: in its
// PipelineRun's histogram when it has one, else in the TaskRun histogram.
func (m *Metrics) TaskRunDone(tr *v1.TaskRun) {
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	status, reason, ok := outcome(c, tr.IsCancelled())
	if !ok || tr.Status.StartTime == nil || tr.Status.CompletionTime == nil {
		return
	}
	d := tr.Status.CompletionTime.Sub(tr.Status.StartTime.Time).Seconds()
	task := tr.Labels[labelTask]
	if task == "" {
		task = "anonymous"
	}
	if tr.Labels[labelPipelineRun] != "" {
		pipeline := tr.Labels[labelPipeline]
		if pipeline == "" {
			pipeline = "anonymous"
		}
		if pt := tr.Labels[labelPipelineTask]; tr.Labels[labelTask] == "" && pt != "" {
			task = pt
		}
		m.prTRDuration.WithLabelValues(pipeline, task, tr.Namespace, status, reason).Observe(d)
	} else {
		m.trDuration.WithLabelValues(task, tr.Namespace, status, reason).Observe(d)
	}
	m.trTotal.WithLabelValues(status).Inc()
}
