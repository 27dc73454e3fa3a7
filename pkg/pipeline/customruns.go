package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// customChildren lists the run's CustomRuns through the cache (those it
// controls) as the TaskRun views the evaluator reads (customRunView), and
// the names of all of them.
func (r *Reconciler) customChildren(ctx context.Context, pr *v1.PipelineRun) ([]*v1.TaskRun, map[string]bool, error) {
	list := &v1beta1.CustomRunList{}
	err := r.client.List(ctx, list, client.InNamespace(pr.Namespace), client.MatchingLabels{resources.LabelPipelineRun: pr.Name})
	if err != nil {
		return nil, nil, fmt.Errorf("listing CustomRuns: %w", err)
	}
	var out []*v1.TaskRun
	names := map[string]bool{}
	for i := range list.Items {
		cr := &list.Items[i]
		r.created.Delete(pr.Namespace + "/" + cr.Name)
		if c := metav1.GetControllerOf(cr); c != nil && c.UID == pr.UID {
			out = append(out, customRunView(cr))
			names[cr.Name] = true
		}
	}
	return out, names, nil
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

// makeChild returns the TaskRun, or for a custom task the CustomRun, of a
// planned launch.
func makeChild(pr *v1.PipelineRun, pt v1.PipelineTask, opts resources.TaskRunOptions) (client.Object, error) {
	if resources.IsCustomTask(&pt) {
		return resources.MakeCustomRun(pr, pt, opts)
	}
	return resources.MakeTaskRun(pr, pt, opts)
}
