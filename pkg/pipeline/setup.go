package pipeline

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// ControllerName names the controller in logs, metrics and events.
const ControllerName = "pipelinerun"

// Option configures the PipelineRun controller.
type Option func(*options)

type options struct {
	namespace   string
	workers     int
	parallelism int
	clock       clock.PassiveClock
	recorder    events.EventRecorder
	remote      *resolution.Manager
}

// WithRemote resolves pipelineRefs and taskRefs that name a resolver
// (default: refused).
func WithRemote(m *resolution.Manager) Option { return func(o *options) { o.remote = m } }

// WithNamespace sets the namespace of the slipway-config ConfigMap.
func WithNamespace(ns string) Option { return func(o *options) { o.namespace = ns } }

// WithWorkers sets how many PipelineRuns are reconciled at once (default 4).
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// WithParallelism bounds concurrent child creations per reconcile (default 32).
func WithParallelism(n int) Option { return func(o *options) { o.parallelism = n } }

// WithRecorder sets where events go (default: the manager's recorder).
func WithRecorder(r events.EventRecorder) Option { return func(o *options) { o.recorder = r } }

// WithClock injects a clock (tests).
func WithClock(c clock.PassiveClock) Option { return func(o *options) { o.clock = c } }

func makeOptions(opts []Option) options {
	o := options{namespace: "slipway", workers: 4, parallelism: 32, clock: clock.RealClock{}}
	for _, f := range opts {
		f(&o)
	}
	if o.workers < 1 {
		o.workers = 1
	}
	if o.parallelism < 1 {
		o.parallelism = 1
	}
	return o
}

// Setup registers the PipelineRun reconciler with mgr, whose scheme must
// hold tekton.dev/v1 and core/v1.
func Setup(mgr ctrl.Manager, opts ...Option) error {
	o := makeOptions(opts)
	if o.recorder == nil {
		o.recorder = mgr.GetEventRecorder("slipway-controller")
	}
	r := &Reconciler{
		client:      mgr.GetClient(),
		recorder:    o.recorder,
		clock:       o.clock,
		namespace:   o.namespace,
		parallelism: o.parallelism,
		remote:      o.remote,
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&v1.PipelineRun{}).
		Owns(&v1.TaskRun{}).
		Owns(&corev1.PersistentVolumeClaim{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: o.workers})
	if o.remote != nil {
		b = b.WatchesRawSource(o.remote.Source("PipelineRun", func() client.Object { return &v1.PipelineRun{} }))
	}
	err := b.Complete(r)
	if err != nil {
		return fmt.Errorf("setting up the PipelineRun controller: %w", err)
	}
	return nil
}
