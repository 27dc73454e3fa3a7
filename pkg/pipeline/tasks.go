package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// checkTasks is the first pass's look at the pipeline's tasks, as Tekton's
// before the first TaskRun: a custom task other than Slipway's Approval is
// refused with a clear reason (no controller would ever run its
// CustomRun), and every result reference must name a result that the
// producing Task declares. Only Tasks whose results are referenced are
// read (from the cache); a custom task's results are not declared.
func (r *Reconciler) checkTasks(ctx context.Context, pr *v1.PipelineRun, spec *v1.PipelineSpec) error {
	produced := producers(spec)
	declared := state.Results{}
	for _, pts := range [][]v1.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range pts {
			pt := &pts[i]
			if pt.TaskRef != nil && resources.IsApproval(pt.TaskRef.APIVersion, string(pt.TaskRef.Kind)) {
				continue
			}
			if kind := customKind(pt); kind != "" {
				return failure.Userf(v1.PipelineRunReasonCouldntGetTask.String(),
					"PipelineRun %s/%s: pipeline task %q is a custom task (%s): Slipway runs only its own %s %s custom task",
					pr.Namespace, pr.Name, pt.Name, kind, resources.ApprovalAPIVersion, resources.ApprovalKind)
			}
			if !produced[pt.Name] {
				continue
			}
			results, err := r.declaredResults(ctx, pr.Namespace, pt)
			if err != nil {
				return err
			}
			if results != nil {
				declared[pt.Name] = results
			}
		}
	}
	if reason, msg := state.CheckResultRefs(spec, declared); reason != "" {
		return failure.Userf(reason, "%s", msg)
	}
	return nil
}

// declaredResults returns the result names pt's Task declares, or nil when
// they cannot be known here (the TaskRun reports a missing Task).
func (r *Reconciler) declaredResults(ctx context.Context, ns string, pt *v1.PipelineTask) (map[string]bool, error) {
	var results []v1.TaskResult
	switch {
	case pt.TaskSpec != nil:
		results = pt.TaskSpec.Results
	case pt.TaskRef != nil:
		ts, err := resolution.Task(ctx, r.client, ns, pt.TaskRef)
		if resolution.IsUserError(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		results = ts.Results
	default:
		return nil, nil
	}
	names := make(map[string]bool, len(results))
	for _, res := range results {
		names[res.Name] = true
	}
	return names, nil
}

// producers are the pipeline tasks whose results something references.
func producers(spec *v1.PipelineSpec) map[string]bool {
	out := map[string]bool{}
	for _, pts := range [][]v1.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range pts {
			for _, ref := range v1.PipelineTaskResultRefs(&pts[i]) {
				out[ref.PipelineTask] = true
			}
		}
	}
	for _, res := range spec.Results {
		exprs, _ := res.GetVarSubstitutionExpressions()
		for _, ref := range v1.NewResultRefs(exprs) {
			out[ref.PipelineTask] = true
		}
	}
	return out
}

// customKind describes pt when it is a custom task ("" otherwise): an
// embedded spec or a taskRef with an apiVersion and kind of its own.
func customKind(pt *v1.PipelineTask) string {
	switch {
	case pt.TaskSpec != nil && pt.TaskSpec.IsCustomTask():
		return fmt.Sprintf("embedded apiVersion %q, kind %q", pt.TaskSpec.APIVersion, pt.TaskSpec.Kind)
	case pt.TaskRef != nil && pt.TaskRef.APIVersion != "":
		return fmt.Sprintf("taskRef apiVersion %q, kind %q", pt.TaskRef.APIVersion, pt.TaskRef.Kind)
	}
	return ""
}
