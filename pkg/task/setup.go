package task

import (
	"errors"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/queue/wake"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/shard"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "taskrun"

// Options configure the TaskRun controller.
type Options struct {
	// Namespace holds the slipway-config ConfigMap.
	Namespace string
	// Workers is the number of TaskRuns reconciled at once.
	Workers int
	// Images looks up step image entrypoints.
	Images image.Resolver
	// Remote resolves taskRefs and step refs with a resolver; nil refuses
	// them.
	Remote *resolution.Manager
	// Clock defaults to the real clock; tests inject a fake one.
	Clock clock.PassiveClock
	// Recorder receives events; it defaults to the manager's recorder.
	Recorder events.EventRecorder
	// Logs reads the logs of steps whose results are there (D22); nil
	// fails such TaskRuns with a clear reason.
	Logs kubernetes.Interface
	// Queue holds runs back under slipway-config's concurrency limits
	// (D23); nil lets every run start.
	Queue *queue.Manager
	// Shards, when set, limits this replica to the TaskRuns of the shards
	// it holds (D29); nil reconciles every TaskRun, on the leader.
	Shards *shard.Elector
}

// Setup registers the TaskRun reconciler with mgr. The manager's cache
// must be built with CacheByObject so that it holds only Slipway's pods.
func Setup(mgr ctrl.Manager, opts Options) error {
	if opts.Images == nil {
		return errors.New("setting up the TaskRun controller: Options.Images is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Workers < 1 {
		opts.Workers = 1
	}
	if opts.Recorder == nil {
		opts.Recorder = mgr.GetEventRecorder("slipway-controller")
	}
	r := &Reconciler{
		client:    mgr.GetClient(),
		apiReader: mgr.GetAPIReader(),
		recorder:  opts.Recorder,
		images:    opts.Images,
		remote:    opts.Remote,
		clock:     opts.Clock,
		logs:      opts.Logs,
		queue:     opts.Queue,
		namespace: opts.Namespace,
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1.TaskRun{}).
		Watches(&corev1.Pod{}, podEvents(mgr))
	b = shard.Apply(opts.Shards, b, controller.Options{MaxConcurrentReconciles: opts.Workers}, mgr.GetClient(),
		func() client.ObjectList { return &v1.TaskRunList{} })
	if opts.Remote != nil {
		b = b.WatchesRawSource(opts.Remote.Source("TaskRun", func() client.Object { return &v1.TaskRun{} }))
	}
	if opts.Queue != nil {
		b = b.WatchesRawSource(wake.Source(opts.Queue, queue.KindTaskRun, func() client.Object { return &v1.TaskRun{} }))
	}
	err := b.Complete(shard.Guard(opts.Shards, r))
	if err != nil {
		return fmt.Errorf("setting up the TaskRun controller: %w", err)
	}
	return nil
}

// CacheByObject restricts the manager's cache to what the TaskRun
// controller needs: pods labelled as Slipway's, ConfigMaps of the
// controller's namespace only, and ServiceAccounts trimmed to their
// secret references.
func CacheByObject(namespace string) map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.ServiceAccount{}: {Transform: TrimServiceAccount},
		&corev1.Pod{}:            {Label: labels.SelectorFromSet(labels.Set{resources.LabelManagedBy: resources.ManagedByValue})},
		&corev1.ConfigMap{}:      {Namespaces: map[string]cache.Config{namespace: {}}},
		&v1.TaskRun{}: {Transform: func(obj any) (any, error) {
			obj, err := cache.TransformStripManagedFields()(obj)
			if err != nil {
				return nil, err
			}
			return TrimDone(obj)
		}},
	}
}
