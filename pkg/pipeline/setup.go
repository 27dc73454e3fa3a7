package pipeline

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/queue/wake"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/shard"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "pipelinerun"

// Options configure the PipelineRun controller (the same style as
// task.Options; zero values take the defaults).
type Options struct {
	// Namespace holds the slipway-config ConfigMap (default "slipway").
	Namespace string
	// Workers is how many PipelineRuns are reconciled at once (default 4).
	Workers int
	// Parallelism bounds concurrent child creations per reconcile
	// (default 32).
	Parallelism int
	// Clock defaults to the real clock; tests inject a fake one.
	Clock clock.PassiveClock
	// Recorder receives events; it defaults to the manager's recorder.
	Recorder events.EventRecorder
	// Remote resolves pipelineRefs and taskRefs that name a resolver; nil
	// refuses them.
	Remote *resolution.Manager
	// Queue holds runs back under slipway-config's concurrency limits
	// (D23); nil lets every run start.
	Queue *queue.Manager
	// Shards, when set, limits this replica to the PipelineRuns of the
	// shards it holds (D29); nil reconciles every one, on the leader.
	Shards *shard.Elector
}

func (o Options) withDefaults(mgr ctrl.Manager) Options {
	if o.Namespace == "" {
		o.Namespace = "slipway"
	}
	if o.Workers < 1 {
		o.Workers = 4
	}
	if o.Parallelism < 1 {
		o.Parallelism = 32
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Recorder == nil {
		o.Recorder = mgr.GetEventRecorder("slipway-controller")
	}
	return o
}

// Setup registers the PipelineRun reconciler with mgr, whose scheme must
// hold tekton.dev/v1 and core/v1.
func Setup(mgr ctrl.Manager, opts Options) error {
	o := opts.withDefaults(mgr)
	r := &Reconciler{
		client:      mgr.GetClient(),
		recorder:    o.Recorder,
		clock:       o.Clock,
		namespace:   o.Namespace,
		parallelism: o.Parallelism,
		remote:      o.Remote,
		queue:       o.Queue,
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1.PipelineRun{}).
		Owns(&v1.TaskRun{}).
		Owns(&v1beta1.CustomRun{}).
		Owns(&v1.PipelineRun{}). // child PipelineRuns (pipelines in pipelines)
		Owns(&corev1.PersistentVolumeClaim{})
	b = shard.Apply(o.Shards, b, controller.Options{MaxConcurrentReconciles: o.Workers}, mgr.GetClient(),
		func() client.ObjectList { return &v1.PipelineRunList{} })
	if o.Remote != nil {
		b = b.WatchesRawSource(o.Remote.Source("PipelineRun", func() client.Object { return &v1.PipelineRun{} }))
	}
	if o.Queue != nil {
		b = b.WatchesRawSource(wake.Source(o.Queue, queue.KindPipelineRun, func() client.Object { return &v1.PipelineRun{} }))
	}
	err := b.Complete(shard.Guard(o.Shards, r))
	if err != nil {
		return fmt.Errorf("setting up the PipelineRun controller: %w", err)
	}
	return nil
}
