package pipeline

import (
	"context"
	"fmt"
	"sync"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
	"github.com/slipway-ci/slipway/pkg/quarantine"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// Reconciler runs PipelineRuns as child TaskRuns.
type Reconciler struct {
	client      client.Client
	remote      *resolution.Manager
	recorder    events.EventRecorder
	clock       clock.PassiveClock
	namespace   string
	parallelism int
	queue       *queue.Manager
	// created remembers TaskRuns this process created ("ns/name" ->
	// time.Time) until the cache shows them, so that a reconcile on a
	// lagging cache does not create them again.
	created sync.Map
}

// Reconcile moves one PipelineRun forward.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pr := &v1.PipelineRun{}
	if err := r.client.Get(ctx, req.NamespacedName, pr); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.released(ctx, req.NamespacedName, nil)
		}
		return ctrl.Result{}, err
	}
	if pr.IsDone() {
		return ctrl.Result{}, r.released(ctx, req.NamespacedName, pr)
	}
	logger := log.FromContext(ctx).WithValues("pipelineRun", req.String())
	ctx = log.IntoContext(ctx, logger)
	before := pr.DeepCopy()
	if msg, bad := quarantine.Reason(pr); bad {
		r.fail(pr, state.ReasonValidationFailed, fmt.Sprintf("PipelineRun %s/%s cannot be decoded: %s", pr.Namespace, pr.Name, msg))
		if err := r.writeStatus(ctx, before, pr); err != nil {
			return ctrl.Result{}, err
		}
		r.finishEvent(pr)
		return ctrl.Result{}, nil
	}
	if pr.IsPending() && pr.Status.StartTime == nil {
		pr.Status.MarkRunning(v1.PipelineRunReasonPending.String(), "PipelineRun %q is pending", pr.Name)
		return ctrl.Result{}, r.writeStatus(ctx, before, pr)
	}
	if res, held, err := r.holdInQueue(ctx, before, pr); held || err != nil {
		return res, err
	}
	started := pr.Status.StartTime == nil
	if started {
		pr.Status.StartTime = &metav1.Time{Time: r.clock.Now()}
	}
	res, err := r.run(ctx, pr)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeStatus(ctx, before, pr); err != nil {
		return ctrl.Result{}, err
	}
	// Events follow the write they report, so a failed pass does not repeat them.
	if started {
		r.recorder.Eventf(pr, nil, corev1.EventTypeNormal, v1.PipelineRunReasonStarted.String(), "Start", "PipelineRun started")
	}
	r.finishEvent(pr)
	return res, nil
}

// holdInQueue writes the status of a run its concurrency limits hold back
// (admit) and says when to look again.
func (r *Reconciler) holdInQueue(ctx context.Context, before, pr *v1.PipelineRun) (ctrl.Result, bool, error) {
	held, err := r.admit(ctx, pr)
	if !held && err == nil {
		return ctrl.Result{}, false, nil
	}
	if err == nil {
		err = r.writeStatus(ctx, before, pr)
	}
	if err != nil || pr.IsDone() {
		if err == nil {
			r.finishEvent(pr)
		}
		return ctrl.Result{}, true, err
	}
	return ctrl.Result{RequeueAfter: queue.RecheckInterval}, true, nil
}

// run evaluates the PipelineRun and acts on the plan, recording the outcome
// in pr.Status. Errors are returned only for what a retry can fix.
func (r *Reconciler) run(ctx context.Context, pr *v1.PipelineRun) (ctrl.Result, error) {
	cfg, err := cluster.Load(ctx, r.client, r.namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	name, spec, err := r.pipelineSpec(ctx, pr, cfg)
	if err == nil && pr.Status.PipelineSpec == nil {
		err = r.checkTasks(ctx, pr, spec)
	}
	if err != nil {
		if p, ok := failure.AsPending(err); ok {
			return r.waitForResolution(pr, p, cfg), nil
		}
		if ue, ok := failure.AsUser(err); ok {
			r.fail(pr, ue.Reason, ue.Error())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	pr.Status.PipelineSpec = spec
	g, err := dag.Build(spec.Tasks, spec.Finally)
	if err != nil {
		r.fail(pr, v1.PipelineRunReasonInvalidGraph.String(), fmt.Sprintf("PipelineRun %s/%s: %v", pr.Namespace, pr.Name, err))
		return ctrl.Result{}, nil
	}
	trs, kinds, err := r.children(ctx, pr)
	if err != nil {
		return ctrl.Result{}, err
	}
	plan := state.Evaluate(state.Input{
		Run: pr, Spec: spec, PipelineName: name, Graph: g, TaskRuns: trs, Now: r.clock.Now(), Config: cfg,
	})
	if err := r.act(ctx, pr, name, plan, kinds); err != nil {
		if ue, ok := failure.AsUser(err); ok {
			return ctrl.Result{}, r.failCreating(ctx, pr, plan, trs, kinds, ue)
		}
		return ctrl.Result{}, err
	}
	r.applyPlan(pr, plan)
	return ctrl.Result{RequeueAfter: plan.RequeueAfter}, nil
}

// failCreating fails the run for a child that could not be made (a
// cycle, a child the API server refuses): the children it has are recorded
// and those still running, made in this pass too, are cancelled, so none
// runs on unseen under a finished run.
func (r *Reconciler) failCreating(ctx context.Context, pr *v1.PipelineRun, plan state.Plan, trs []*v1.TaskRun, kinds map[string]string, ue *failure.UserError) error {
	r.applyPlan(pr, plan)
	r.fail(pr, ue.Reason, ue.Error())
	done := map[string]bool{}
	for _, tr := range trs {
		done[tr.Name] = tr.IsDone()
	}
	var cancels []state.Cancel
	for _, ref := range pr.Status.ChildReferences {
		if !done[ref.Name] {
			cancels = append(cancels, state.Cancel{Name: ref.Name, Message: v1.TaskRunCancelledByPipelineMsg})
		}
	}
	return r.cancelTaskRuns(ctx, pr, cancels, kinds)
}

// act creates and cancels children as the plan says.
func (r *Reconciler) act(ctx context.Context, pr *v1.PipelineRun, pipelineName string, plan state.Plan, kinds map[string]string) error {
	claims, err := r.createPVCs(ctx, pr, len(plan.Create) > 0)
	if err != nil {
		return err
	}
	if err := r.createTaskRuns(ctx, pr, pipelineName, claims, plan.Create); err != nil {
		return err
	}
	if err := r.cancelTaskRuns(ctx, pr, plan.Cancel, kinds); err != nil {
		return err
	}
	if err := r.releaseTaskRuns(ctx, pr, plan.Release); err != nil {
		return err
	}
	if err := r.discardTaskRuns(ctx, plan.Discard); err != nil {
		return err
	}
	if n := len(plan.Create); n > 0 {
		log.FromContext(ctx).Info("taskruns created", "count", n)
	}
	return nil
}

// children lists the run's TaskRuns, CustomRuns and child PipelineRuns
// through the cache, keeping only those it controls; the others come as
// TaskRun views, and kinds names their kinds.
func (r *Reconciler) children(ctx context.Context, pr *v1.PipelineRun) ([]*v1.TaskRun, map[string]string, error) {
	others, kinds, err := r.otherChildren(ctx, pr)
	if err != nil {
		return nil, nil, err
	}
	list := &v1.TaskRunList{}
	err = r.client.List(ctx, list, client.InNamespace(pr.Namespace), client.MatchingLabels{resources.LabelPipelineRun: pr.Name})
	if err != nil {
		return nil, nil, fmt.Errorf("listing TaskRuns: %w", err)
	}
	out := make([]*v1.TaskRun, 0, len(list.Items))
	for i := range list.Items {
		r.created.Delete(createdKey("TaskRun", pr.Namespace, list.Items[i].Name))
		if metav1.IsControlledBy(&list.Items[i], pr) {
			out = append(out, &list.Items[i])
		}
	}
	return append(out, others...), kinds, nil
}

// fail marks the run failed for a reason the user must fix.
func (r *Reconciler) fail(pr *v1.PipelineRun, reason, msg string) {
	pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: reason, Message: msg})
	pr.Status.CompletionTime = &metav1.Time{Time: r.clock.Now()}
}

func (r *Reconciler) finishEvent(pr *v1.PipelineRun) {
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	if c == nil || c.IsUnknown() {
		return
	}
	kind := corev1.EventTypeNormal
	if c.IsFalse() {
		kind = corev1.EventTypeWarning
	}
	r.recorder.Eventf(pr, nil, kind, c.Reason, "Finish", "%s", c.Message)
}
