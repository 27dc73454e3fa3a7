package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// applyPlan copies the plan's verdict into pr.Status.
func (r *Reconciler) applyPlan(pr *v1.PipelineRun, plan state.Plan) {
	now := metav1.Time{Time: r.clock.Now()}
	cond := plan.Condition
	if old := pr.Status.GetCondition(cond.Type); old == nil || old.Status != cond.Status || old.Reason != cond.Reason || old.Message != cond.Message {
		pr.Status.SetCondition(&cond)
	}
	pr.Status.ChildReferences = plan.ChildReferences
	pr.Status.SkippedTasks = plan.SkippedTasks
	if plan.FinallyStarted && pr.Status.FinallyStartTime == nil {
		pr.Status.FinallyStartTime = &now
	}
	if plan.Done {
		pr.Status.Results = plan.Results
		pr.Status.CompletionTime = &now
	}
}

// writeStatus patches the status subresource when it changed.
func (r *Reconciler) writeStatus(ctx context.Context, before, pr *v1.PipelineRun) error {
	if equality.Semantic.DeepEqual(before.Status, pr.Status) {
		return nil
	}
	// Only a status about to be written is sized; fitting may undo the
	// change (a spec copy too big to keep).
	if r.fitStatus(pr); equality.Semantic.DeepEqual(before.Status, pr.Status) {
		return nil
	}
	if err := r.client.Status().Patch(ctx, pr, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("writing PipelineRun status: %w", err)
	}
	return nil
}

// ReasonTooLarge: the PipelineRun with its status would exceed what the API
// server stores.
const ReasonTooLarge = "PipelineRunTooLarge"

// fitStatus keeps pr within resources.MaxObjectBytes: it first leaves out
// the status's copy of the pipeline spec, then fails the run keeping only
// what says why. Without it the write is refused on every pass and the run
// never finishes. Its TaskRuns go on and finish on their own.
func (r *Reconciler) fitStatus(pr *v1.PipelineRun) {
	if resources.ObjectSize(pr) <= resources.MaxObjectBytes {
		return
	}
	pr.Status.PipelineSpec = nil
	size := resources.ObjectSize(pr)
	if size <= resources.MaxObjectBytes {
		return
	}
	start := pr.Status.StartTime
	pr.Status = v1.PipelineRunStatus{}
	pr.Status.StartTime = start
	r.fail(pr, ReasonTooLarge, fmt.Sprintf("PipelineRun %s/%s would be %d bytes with its status, over the %d bytes the API server stores",
		pr.Namespace, pr.Name, size, resources.MaxObjectBytes))
}
