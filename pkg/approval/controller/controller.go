// Package controller drives Slipway's Approval CustomRuns (package
// approval): it starts them, writes the status their decisions lead to,
// and times them out. It only orchestrates; approval.Evaluate decides.
package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	runv1beta1 "github.com/tektoncd/pipeline/pkg/apis/run/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/slipway-ci/slipway/pkg/approval"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "approval"

// Options configure the Approval controller (zero values: defaults).
type Options struct {
	// Clock defaults to the real clock; tests inject a fake one.
	Clock clock.PassiveClock
	// Recorder receives events; it defaults to the manager's recorder.
	Recorder events.EventRecorder
}

// Reconciler writes an Approval CustomRun's status.
type Reconciler struct {
	client   client.Client
	clock    clock.PassiveClock
	recorder events.EventRecorder
}

// Setup registers the controller with mgr for the CustomRuns whose
// customRef is Slipway's Approval.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Recorder == nil {
		o.Recorder = mgr.GetEventRecorder("slipway-controller")
	}
	r := &Reconciler{client: mgr.GetClient(), clock: o.Clock, recorder: o.Recorder}
	isApproval := predicate.NewPredicateFuncs(func(obj client.Object) bool {
		cr, ok := obj.(*v1beta1.CustomRun)
		return ok && resources.IsApprovalRun(cr)
	})
	err := ctrl.NewControllerManagedBy(mgr).Named(ControllerName).
		For(&v1beta1.CustomRun{}, builder.WithPredicates(isApproval)).
		Complete(r)
	if err != nil {
		return fmt.Errorf("setting up the Approval controller: %w", err)
	}
	return nil
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cr := &v1beta1.CustomRun{}
	if err := r.client.Get(ctx, req.NamespacedName, cr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if cr.IsDone() {
		return ctrl.Result{}, nil
	}
	before := cr.Status.DeepCopy()
	now := r.clock.Now()
	if cr.Status.StartTime == nil {
		cr.Status.StartTime = &metav1.Time{Time: now}
	}
	o := approval.Evaluate(cr, cr.Status.StartTime.Time, now)
	apply(&cr.Status, o, now)
	if equality.Semantic.DeepEqual(before, &cr.Status) {
		return requeue(o), nil
	}
	if err := r.client.Status().Update(ctx, cr); err != nil {
		return ctrl.Result{}, fmt.Errorf("updating CustomRun status: %w", err)
	}
	if o.Done() {
		kind := corev1.EventTypeNormal
		if o.Condition.IsFalse() {
			kind = corev1.EventTypeWarning
		}
		r.recorder.Eventf(cr, nil, kind, o.Condition.Reason, "Decide", "%s", o.Condition.Message)
	}
	return requeue(o), nil
}

// apply writes the outcome into the status.
func apply(st *v1beta1.CustomRunStatus, o approval.Outcome, now time.Time) {
	c := o.Condition
	st.SetCondition(&c)
	if !o.Done() {
		return
	}
	st.CompletionTime = &metav1.Time{Time: now}
	if o.Condition.IsTrue() {
		st.Results = []runv1beta1.CustomRunResult{{Name: approval.ResultApprovers, Value: strings.Join(o.Approvers, ",")}}
	}
}

func requeue(o approval.Outcome) ctrl.Result {
	if o.Done() || o.RecheckIn <= 0 {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: o.RecheckIn}
}
