// Package archiver is the controller that archives each step's log as
// soon as its container has terminated, off the TaskRun's critical path:
// it never writes a TaskRun, and a TaskRun completes without waiting for
// it. A pod carries resources.FinalizerLogArchive from its creation, so that a pod deleted
// early (by a user, a pruner or a cascade) stays until its logs are
// archived; the finalizer goes once every step that ran is archived.
package archiver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/shard"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "logarchive"

// stepPrefix starts the name of every step container.
const stepPrefix = resources.StepPrefix

// deletionGrace is how long a deleted pod waits for its logs before its
// finalizer goes anyway (with a warning event): nothing stays stuck.
const deletionGrace = 2 * time.Minute

// Options configure the archiver.
type Options struct {
	// Store keeps the archives.
	Store logs.Store
	// Logs reads pod logs.
	Logs kubernetes.Interface
	// Workers is the number of pods archived at once.
	Workers int
	// Recorder receives events; it defaults to the manager's recorder.
	Recorder events.EventRecorder
	// Namespace holds slipway-config, whose prune-logs-ttl (and
	// prune-policies) say how long logs are kept after their run.
	Namespace string
	// Shards, when set, limits this replica to the pods of the shards it
	// holds (D29); nil archives every pod, on the leader.
	Shards *shard.Elector
}

// Archiver is the reconciler.
type Archiver struct {
	client    client.Client
	reader    client.Reader // uncached
	namespace string
	store     logs.Store
	logs      kubernetes.Interface
	recorder  events.EventRecorder
	now       func() time.Time
	mu        sync.Mutex
	// archived holds, per pod, the step containers whose logs are in the
	// store; a pod missing here is looked up in the store.
	archived map[types.NamespacedName]podSet
}

// Setup registers the archiver with mgr.
func Setup(mgr ctrl.Manager, opts Options) error {
	if opts.Store == nil || opts.Logs == nil {
		return fmt.Errorf("setting up the log archiver: Options.Store and Options.Logs are required")
	}
	if opts.Workers < 1 {
		opts.Workers = 4
	}
	if opts.Recorder == nil {
		opts.Recorder = mgr.GetEventRecorder("slipway-controller")
	}
	a := &Archiver{client: mgr.GetClient(), reader: mgr.GetAPIReader(), namespace: opts.Namespace, store: opts.Store,
		logs: opts.Logs, recorder: opts.Recorder, now: time.Now, archived: map[types.NamespacedName]podSet{}}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&corev1.Pod{}, builderPredicate())
	b = shard.Apply(opts.Shards, b, controller.Options{MaxConcurrentReconciles: opts.Workers}, mgr.GetClient(),
		func() client.ObjectList { return &corev1.PodList{} })
	err := b.Complete(shard.Guard(opts.Shards, a))
	if err != nil {
		return fmt.Errorf("setting up the log archiver: %w", err)
	}
	return setupExpiry(mgr, opts.Store, opts.Recorder)
}

// Wanted reports whether pod has work for the archiver: it holds the
// finalizer and a step has stopped, or it is being deleted.
func Wanted(pod *corev1.Pod) bool {
	if !controllerutil.ContainsFinalizer(pod, resources.FinalizerLogArchive) {
		return false
	}
	if pod.DeletionTimestamp != nil || finished(pod) {
		return true
	}
	for _, s := range pod.Status.ContainerStatuses {
		if strings.HasPrefix(s.Name, stepPrefix) && s.State.Terminated != nil {
			return true
		}
	}
	return false
}

func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// Reconcile archives the stopped steps of one pod.
func (a *Archiver) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pod := &corev1.Pod{}
	if err := a.client.Get(ctx, req.NamespacedName, pod); err != nil {
		if apierrors.IsNotFound(err) {
			a.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !Wanted(pod) {
		return ctrl.Result{}, nil
	}
	la := resources.LogArchiveOf(pod.Annotations)
	if la == nil {
		return ctrl.Result{}, a.release(ctx, pod) // not a pod Slipway made for an archive
	}
	loc := logs.Location{Repository: la.Repository, Tag: pod.Name}
	if err := a.archiveStopped(ctx, pod, loc, la.Key); err != nil {
		return a.failed(ctx, pod, err)
	}
	if !allStopped(pod) {
		return ctrl.Result{}, nil
	}
	if err := a.keep(ctx, pod, *la); err != nil {
		return a.failed(ctx, pod, err)
	}
	a.forget(keyOf(pod))
	return ctrl.Result{}, a.release(ctx, pod)
}

// allStopped reports whether no step container of pod can still write:
// the pod has finished, or it is being deleted and none runs.
func allStopped(pod *corev1.Pod) bool {
	if finished(pod) {
		return true
	}
	if pod.DeletionTimestamp == nil {
		return false
	}
	for _, s := range pod.Status.ContainerStatuses {
		if strings.HasPrefix(s.Name, stepPrefix) && s.State.Running != nil {
			return false
		}
	}
	return true
}

// failed reports an archive error; on a pod being deleted it gives up
// after deletionGrace, so that the pod does not stay forever.
func (a *Archiver) failed(ctx context.Context, pod *corev1.Pod, err error) (ctrl.Result, error) {
	a.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "LogArchiveFailed", "Archive", "%v", err)
	if pod.DeletionTimestamp != nil && a.now().Sub(pod.DeletionTimestamp.Time) > deletionGrace {
		a.forget(keyOf(pod))
		return ctrl.Result{}, a.release(ctx, pod)
	}
	return ctrl.Result{}, err
}

// release removes the finalizer from pod.
func (a *Archiver) release(ctx context.Context, pod *corev1.Pod) error {
	if !controllerutil.ContainsFinalizer(pod, resources.FinalizerLogArchive) {
		return nil
	}
	patch := client.MergeFromWithOptions(pod.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(pod, resources.FinalizerLogArchive)
	if err := a.client.Patch(ctx, pod, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("removing the log finalizer of pod %s: %w", pod.Name, err)
	}
	return nil
}

func builderPredicate() builder.Predicates {
	return builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
		pod, ok := o.(*corev1.Pod)
		return ok && Wanted(pod)
	}))
}
