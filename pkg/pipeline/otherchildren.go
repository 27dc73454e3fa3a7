package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// Kinds of children other than TaskRuns, by child name.
const (
	kindCustomRun   = "CustomRun"
	kindPipelineRun = "PipelineRun"
)

// otherChildren lists, through the cache, the run's CustomRuns and child
// PipelineRuns (pipelines in pipelines) that it controls, as the TaskRun
// views the evaluator reads, and the kind of each by name.
func (r *Reconciler) otherChildren(ctx context.Context, pr *v1.PipelineRun) ([]*v1.TaskRun, map[string]string, error) {
	sel := []client.ListOption{client.InNamespace(pr.Namespace), client.MatchingLabels{resources.LabelPipelineRun: pr.Name}}
	crs := &v1beta1.CustomRunList{}
	if err := r.client.List(ctx, crs, sel...); err != nil {
		return nil, nil, fmt.Errorf("listing CustomRuns: %w", err)
	}
	prs := &v1.PipelineRunList{}
	if err := r.client.List(ctx, prs, sel...); err != nil {
		return nil, nil, fmt.Errorf("listing child PipelineRuns: %w", err)
	}
	var out []*v1.TaskRun
	kinds := map[string]string{}
	add := func(obj metav1.Object, kind string, view func() *v1.TaskRun) {
		r.created.Delete(createdKey(kind, pr.Namespace, obj.GetName()))
		if metav1.IsControlledBy(obj, pr) {
			out = append(out, view())
			kinds[obj.GetName()] = kind
		}
	}
	for i := range crs.Items {
		add(&crs.Items[i], kindCustomRun, func() *v1.TaskRun { return customRunView(&crs.Items[i]) })
	}
	for i := range prs.Items {
		add(&prs.Items[i], kindPipelineRun, func() *v1.TaskRun { return childPipelineRunView(&prs.Items[i]) })
	}
	return out, kinds, nil
}

// customRunView is what the evaluator needs of a CustomRun, in a TaskRun's
// shape: its name and labels, cancellation, condition, times and results
// (a CustomRun's results are strings). It is pure.
func customRunView(cr *v1beta1.CustomRun) *v1.TaskRun {
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: cr.Name, Namespace: cr.Namespace, Labels: cr.Labels}}
	if cr.Spec.Status == v1beta1.CustomRunSpecStatusCancelled {
		tr.Spec.Status = v1.TaskRunSpecStatusCancelled
	}
	tr.Status.Conditions = cr.Status.Conditions
	tr.Status.StartTime, tr.Status.CompletionTime = cr.Status.StartTime, cr.Status.CompletionTime
	for _, res := range cr.Status.Results {
		tr.Status.Results = append(tr.Status.Results, v1.TaskRunResult{
			Name: res.Name, Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues(res.Value)})
	}
	return tr
}

// childPipelineRunView is what the evaluator needs of a child PipelineRun,
// in a TaskRun's shape: name, labels, cancellation, condition (a cancelled
// child reads as a cancelled task) and times. A child's results are not
// passed on (Tekton's alpha does not either; its validation refuses a
// reference to them). It is pure.
func childPipelineRunView(child *v1.PipelineRun) *v1.TaskRun {
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: child.Name, Namespace: child.Namespace, Labels: child.Labels}}
	if child.IsCancelled() {
		tr.Spec.Status = v1.TaskRunSpecStatusCancelled
	}
	for _, c := range child.Status.Conditions {
		if c.Type == apis.ConditionSucceeded && c.IsFalse() && c.Reason == v1.PipelineRunReasonCancelled.String() {
			c.Reason = v1.TaskRunReasonCancelled.String()
		}
		tr.Status.Conditions = append(tr.Status.Conditions, c)
	}
	tr.Status.StartTime, tr.Status.CompletionTime = child.Status.StartTime, child.Status.CompletionTime
	return tr
}

// makeChild returns the TaskRun, or for a custom task the CustomRun, or for
// a pipeline in the pipeline the child PipelineRun, of a planned launch.
func makeChild(pr *v1.PipelineRun, pt v1.PipelineTask, opts resources.TaskRunOptions) (client.Object, error) {
	switch {
	case resources.IsCustomTask(&pt):
		return resources.MakeCustomRun(pr, pt, opts)
	case resources.IsChildPipeline(&pt):
		return resources.MakeChildPipelineRun(pr, pt, opts)
	}
	return resources.MakeTaskRun(pr, pt, opts)
}
