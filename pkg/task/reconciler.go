package task

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/go-logr/logr"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/quarantine"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// conflictRequeue is the delay before redoing a pass whose status write
// lost a race; the watch usually delivers the newer TaskRun first.
const conflictRequeue = 100 * time.Millisecond

// Reconciler drives one TaskRun to completion through its Pod.
type Reconciler struct {
	client    client.Client
	apiReader client.Reader
	recorder  events.EventRecorder
	images    image.Resolver
	remote    *resolution.Manager
	clock     clock.PassiveClock
	// logs reads pod logs: results that did not fit a termination
	// message are at the end of their step's log (D22).
	logs kubernetes.Interface
	// queue holds runs back under concurrency limits (D23); nil: none.
	queue *queue.Manager
	// namespace holds the slipway-config ConfigMap.
	namespace string
}

// run is one reconcile's view of a TaskRun: tr is what gets written back
// (status only); defaulted is a defaulted copy used for decisions and for
// building the pod, since defaults are never written to spec (D7).
type run struct {
	tr        *v1.TaskRun
	defaulted *v1.TaskRun
	spec      *v1.TaskSpec
	cfg       *config.Config
	// cached is the attempt's pod as the cache had it when the pass
	// began, nil if it had none.
	cached *corev1.Pod
	// podCreated is set when this pass created the attempt's pod.
	podCreated bool
	// refSource is where a remotely resolved Task came from.
	refSource *v1.RefSource
	// stop is a pod to stop once this pass's status is written: the
	// verdict is recorded before its side effect, so a crash in between
	// leaves a failed TaskRun whose pod the next pass stops (stopLeftover),
	// never a pod killed for a reason the status does not say.
	stop *corev1.Pod
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx).WithValues("taskRun", req.NamespacedName.String())
	ctx = ctrl.LoggerInto(ctx, log)

	tr := &v1.TaskRun{}
	if err := r.client.Get(ctx, req.NamespacedName, tr); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.released(ctx, req.NamespacedName, nil)
		}
		return ctrl.Result{}, err
	}
	if tr.IsDone() {
		return ctrl.Result{}, errors.Join(r.released(ctx, req.NamespacedName, tr), r.stopLeftover(ctx, tr))
	}
	cfg, err := cluster.Load(ctx, r.client, r.namespace)
	if err != nil {
		r.recorder.Eventf(tr, nil, corev1.EventTypeWarning, "InvalidConfig", "Reconcile", "%v", err)
		return ctrl.Result{}, err
	}
	before := tr.DeepCopy()
	rn := &run{tr: tr, cfg: cfg}
	result, err := r.reconcile(ctx, rn)
	if err == nil && r.deferFirstWrite(before, rn) {
		// The pod's events bring the TaskRun back (podEvents); the requeue
		// is the fallback.
		return ctrl.Result{RequeueAfter: firstWriteWait}, nil
	}
	if werr := r.writeStatus(ctx, before, tr); werr != nil {
		if apierrors.IsConflict(werr) && err == nil {
			// A stale cached TaskRun: the watch brings the new one; redo the
			// pass on it (everything above is idempotent).
			log.V(1).Info("status conflict, requeueing")
			return ctrl.Result{RequeueAfter: conflictRequeue}, nil
		}
		return ctrl.Result{}, errors.Join(err, werr)
	}
	if rn.stop != nil {
		err = errors.Join(err, r.stopPod(ctx, rn.stop))
	}
	return result, err
}

// stopLeftover stops the pod of a failed TaskRun that still runs: its stop
// was lost to a crash after the verdict was written.
func (r *Reconciler) stopLeftover(ctx context.Context, tr *v1.TaskRun) error {
	if tr.IsSuccessful() {
		return nil
	}
	pod, err := r.cachedPod(ctx, tr)
	if err != nil || pod == nil || !metav1.IsControlledBy(pod, tr) {
		return err
	}
	return r.stopPod(ctx, pod)
}

// firstWriteWait is the fallback requeue of a pass that deferred its
// status write, should no pod event come.
const firstWriteWait = time.Second

// deferFirstWrite reports whether this pass should skip its status write:
// it created the attempt's pod. The pod's creation event brings the
// TaskRun back at low priority (podEvents); under a burst that pass runs
// after the scheduler has decided on the pod, and one write records start,
// pod and verdict instead of two (D10). With an idle queue it runs at once
// and changes nothing.
func (r *Reconciler) deferFirstWrite(before *v1.TaskRun, rn *run) bool {
	return rn.podCreated && before.Status.PodName == "" && !rn.tr.IsDone()
}

// reconcile is the flat list of steps; each either finishes the TaskRun's
// status for this pass or hands over to the next.
func (r *Reconciler) reconcile(ctx context.Context, rn *run) (ctrl.Result, error) {
	tr := rn.tr
	if r.held(tr) {
		return ctrl.Result{}, nil
	}
	if resources.IsHeld(tr) && !tr.IsCancelled() {
		// Before the queue: a held TaskRun takes no slot of a concurrency
		// limit, or it could keep the upstream it waits for from starting.
		return ctrl.Result{}, r.reconcileHeld(ctx, rn)
	}
	if held, err := r.admit(ctx, rn); held || err != nil {
		return ctrl.Result{RequeueAfter: queue.RecheckInterval}, err
	}
	r.start(tr)
	if err := r.resolve(ctx, rn); err != nil {
		if res, waiting, werr := r.waitForResolution(ctx, rn, err); waiting {
			return res, werr
		}
		return ctrl.Result{}, r.failOnUserError(tr, err)
	}
	cached, err := r.cachedPod(ctx, tr)
	if err != nil {
		return ctrl.Result{}, err
	}
	rn.cached = cached
	if err := validate(ctx, rn); err != nil {
		var ue *failure.UserError
		if errors.As(err, &ue) {
			r.fail(tr, ue.Reason, ue.Err.Error())
		} else {
			r.fail(tr, v1.TaskRunReasonFailedValidation.String(), err.Error())
		}
		return ctrl.Result{}, nil
	}
	if tr.Status.TaskSpec == nil {
		tr.Status.TaskSpec = rn.spec.DeepCopy()
		if rn.refSource != nil {
			tr.Status.Provenance = &v1.Provenance{RefSource: rn.refSource}
		}
	}
	if stopped, err := r.stopIfCancelledOrTimedOut(ctx, rn); stopped || err != nil {
		return ctrl.Result{}, err
	}
	wait, err := r.runPod(ctx, rn)
	if err != nil {
		return ctrl.Result{}, r.failOnUserError(tr, err)
	}
	if tr.IsFailure() && tr.IsRetriable() && !tr.IsCancelled() {
		// The status write triggers the pass that creates the next pod.
		r.retry(tr)
		return ctrl.Result{}, nil
	}
	return r.requeue(rn, wait), nil
}

// runPod brings the attempt's pod into the status: it fails the TaskRun
// when the pod is gone or stuck, creates the pod when there is none yet,
// and returns how long until a stuck pod's grace ends.
func (r *Reconciler) runPod(ctx context.Context, rn *run) (time.Duration, error) {
	if p := rn.cached; p != nil && p.DeletionTimestamp != nil && resources.NeedsRelease(p) {
		return 0, nil // a held pod being replaced (releasePod): its deletion brings the TaskRun back
	}
	if lost, err := r.failLostPod(ctx, rn); lost || err != nil {
		return 0, err
	}
	pod, err := r.getOrCreatePod(ctx, rn)
	if err == nil && pod != nil && resources.NeedsRelease(pod) {
		pod, err = r.releasePod(ctx, rn, pod)
	}
	if err != nil || pod == nil {
		return 0, err
	}
	if err := r.applyPodStatus(ctx, rn.tr, pod, rn.spec); err != nil {
		return 0, err
	}
	return r.failStuckPod(rn, pod), nil
}

// start records the start time and the Started condition of a new TaskRun.
func (r *Reconciler) start(tr *v1.TaskRun) {
	if tr.Status.StartTime != nil {
		return
	}
	tr.Status.StartTime = &metav1.Time{Time: r.clock.Now()}
	tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
		Reason: v1.TaskRunReasonStarted.String()})
}

// resolve fills rn.spec from taskRef or taskSpec.
func (r *Reconciler) resolve(ctx context.Context, rn *run) error {
	tr := rn.tr
	switch {
	case tr.Status.TaskSpec != nil:
		// Resolved on an earlier pass: a Task edited since must not change
		// a running TaskRun.
		rn.spec = tr.Status.TaskSpec.DeepCopy()
	case tr.Spec.TaskSpec != nil:
		rn.spec = substitution.PropagateWorkspaces(tr.Spec.TaskSpec.DeepCopy(), tr.Spec.Workspaces)
		rn.refSource = resources.RefSourceOf(tr)
	case tr.Spec.TaskRef != nil && resolution.IsRemote(tr.Spec.TaskRef.ResolverRef):
		if err := r.remoteTask(ctx, rn); err != nil {
			return err
		}
	case tr.Spec.TaskRef != nil:
		spec, err := resolution.Task(ctx, r.client, tr.Namespace, tr.Spec.TaskRef)
		if err != nil {
			return err
		}
		rn.spec = spec
	default:
		return failure.User(v1.TaskRunReasonFailedValidation.String(), errors.New("TaskRun has neither taskRef nor taskSpec"))
	}
	if tr.Status.TaskSpec != nil {
		return nil // StepActions were inlined before it was stored
	}
	return r.inlineStepActions(ctx, rn)
}

// inlineStepActions replaces each step's StepAction ref with the
// StepAction's content, as Tekton stores it in status.taskSpec: a
// StepAction edited later never changes a started TaskRun.
func (r *Reconciler) inlineStepActions(ctx context.Context, rn *run) error {
	for i := range rn.spec.Steps {
		st := &rn.spec.Steps[i]
		if st.Ref == nil {
			continue
		}
		sa, err := r.stepAction(ctx, rn, substitution.StepName(i, st), st.Ref)
		if _, ok := failure.AsUser(err); ok {
			return err
		}
		if err != nil && !resolution.IsUserError(err) {
			return err // pending, or the API server failed: retry
		}
		if err == nil {
			*st, err = substitution.InlineStepAction(*st, st.Ref.Name, sa)
		}
		if err != nil {
			return failure.User(v1.TaskRunReasonFailedResolution.String(), fmt.Errorf("step %q: %w", substitution.StepName(i, st), err))
		}
	}
	return nil
}

// stepAction returns the StepAction a step's ref names.
func (r *Reconciler) stepAction(ctx context.Context, rn *run, step string, ref *v1.Ref) (*v1beta1.StepActionSpec, error) {
	if resolution.IsRemote(ref.ResolverRef) {
		return r.remoteStepAction(ctx, rn, step, ref)
	}
	return resolution.StepAction(ctx, r.client, rn.tr.Namespace, ref)
}

// applyPodStatus copies what the pod says into the TaskRun's status, with
// the results its steps left in their logs.
func (r *Reconciler) applyPodStatus(ctx context.Context, tr *v1.TaskRun, pod *corev1.Pod, spec *v1.TaskSpec) error {
	logs, err := r.readLogResults(ctx, pod)
	if err != nil {
		return err
	}
	ps := Status(pod, spec, r.clock.Now(), logs)
	tr.Status.PodName = pod.Name
	keepLogArchive(tr, pod)
	tr.Status.Steps = ps.Steps
	tr.Status.Sidecars = ps.Sidecars
	tr.Status.Results = ps.Results
	cond := ps.Condition
	tr.Status.SetCondition(&cond)
	if ps.Done {
		tr.Status.CompletionTime = ps.CompletionTime
	}
	return nil
}

// keepLogArchive copies where the pod's logs are archived into the
// TaskRun's status, where readers find them once the pod is gone.
func keepLogArchive(tr *v1.TaskRun, pod *corev1.Pod) {
	la := resources.LogArchiveOf(pod.Annotations)
	if la == nil || resources.LogArchiveOf(tr.Status.Annotations) != nil {
		return
	}
	tr.Status.Annotations = la.Annotate(maps.Clone(tr.Status.Annotations))
}

// retry archives the failed attempt in retriesStatus and resets the status
// so that the next pass creates the pod of the next attempt.
func (r *Reconciler) retry(tr *v1.TaskRun) {
	attempt := tr.Status.DeepCopy()
	attempt.RetriesStatus = nil
	attempt.TaskSpec = nil
	attempt.Annotations = nil // the log archive's, which the TaskRun keeps
	tr.Status.RetriesStatus = append(tr.Status.RetriesStatus, *attempt)
	tr.Status.PodName = ""
	tr.Status.Steps = nil
	tr.Status.Sidecars = nil
	tr.Status.Results = nil
	tr.Status.CompletionTime = nil
	tr.Status.StartTime = &metav1.Time{Time: r.clock.Now()}
	tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
		Reason: v1.TaskRunReasonToBeRetried.String(),
		Message: fmt.Sprintf("attempt %d failed (%s); retrying", len(tr.Status.RetriesStatus),
			attempt.GetCondition(apis.ConditionSucceeded).GetMessage())})
}

// requeue asks to be called back when the TaskRun times out, or when a
// stuck pod's grace ends (wait > 0), in case no pod event comes first.
func (r *Reconciler) requeue(rn *run, wait time.Duration) ctrl.Result {
	if rn.tr.IsDone() {
		return ctrl.Result{}
	}
	timeout := timeoutOf(rn.defaulted)
	if timeout <= 0 && wait <= 0 {
		return ctrl.Result{}
	}
	left := wait
	if timeout > 0 {
		left = minPositive(wait, max(rn.tr.Status.StartTime.Add(timeout).Sub(r.clock.Now()), 0))
	}
	return ctrl.Result{RequeueAfter: left + 100*time.Millisecond}
}

// fail marks the TaskRun failed for good.
func (r *Reconciler) fail(tr *v1.TaskRun, reason, msg string) {
	tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse,
		Reason: reason, Message: msg})
	tr.Status.CompletionTime = &metav1.Time{Time: r.clock.Now()}
}

// held handles the TaskRuns that must not start: pending ones, and those
// whose stored object does not decode.
func (r *Reconciler) held(tr *v1.TaskRun) bool {
	if msg, bad := quarantine.Reason(tr); bad {
		r.failUndecodable(tr, msg)
		return true
	}
	if tr.Spec.Status == v1.TaskRunSpecStatusPending {
		tr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown,
			Reason: v1.TaskRunReasonPending.String(), Message: "TaskRun is pending: remove spec.status to start it"})
		return true
	}
	return false
}

// failUndecodable fails a TaskRun whose stored object does not decode
// (package quarantine); the pass after the write stops the pod its status
// names, if any (stopLeftover): nothing else about it can be trusted.
func (r *Reconciler) failUndecodable(tr *v1.TaskRun, msg string) {
	r.fail(tr, v1.TaskRunReasonFailedValidation.String(),
		fmt.Sprintf("TaskRun %s/%s cannot be decoded: %s", tr.Namespace, tr.Name, msg))
}

// failOnUserError fails the TaskRun when err is the user's to fix and
// returns nil; any other error is returned for a retry with backoff.
func (r *Reconciler) failOnUserError(tr *v1.TaskRun, err error) error {
	if err == nil {
		return nil
	}
	var ue *failure.UserError
	switch {
	case errors.As(err, &ue):
		r.fail(tr, ue.Reason, ue.Err.Error())
	case resolution.IsUserError(err):
		r.fail(tr, ReasonCouldntGetTask, err.Error())
	default:
		return err
	}
	return nil
}

// writeStatus writes tr's status if this pass changed it, then emits the
// events that describe the change (after the write, so a conflict that
// repeats the pass does not repeat the events). A TaskRun gets an event
// when it finishes, not when it starts (D10).
func (r *Reconciler) writeStatus(ctx context.Context, before, tr *v1.TaskRun) error {
	if equality.Semantic.DeepEqual(before.Status, tr.Status) {
		return nil
	}
	// Only a status about to be written is sized; fitting may undo the
	// change (a spec copy too big to keep).
	if fitStatus(tr, r.fail); equality.Semantic.DeepEqual(before.Status, tr.Status) {
		return nil
	}
	if err := r.client.Status().Update(ctx, tr); err != nil {
		return fmt.Errorf("updating TaskRun status: %w", err)
	}
	r.emitEvents(ctx, before, tr)
	return nil
}

func (r *Reconciler) emitEvents(ctx context.Context, before, tr *v1.TaskRun) {
	log := logr.FromContextOrDiscard(ctx)
	if before.IsDone() || !tr.IsDone() {
		return
	}
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	if tr.IsSuccessful() {
		log.Info("taskrun succeeded", "pod", tr.Status.PodName)
		r.recorder.Eventf(tr, nil, corev1.EventTypeNormal, v1.TaskRunReasonSuccessful.String(), "Finish", "%s", c.Message)
		return
	}
	log.Info("taskrun failed", "pod", tr.Status.PodName, "reason", c.Reason, "message", c.Message)
	r.recorder.Eventf(tr, nil, corev1.EventTypeWarning, v1.TaskRunReasonFailed.String(), "Finish", "%s: %s", c.Reason, c.Message)
}
