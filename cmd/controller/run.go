package main

import (
	"context"
	"fmt"
	"os"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"go.uber.org/zap/zapcore"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	approvalctl "github.com/slipway-ci/slipway/pkg/approval/controller"
	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/events"
	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/leader"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/logs/archiver"
	"github.com/slipway-ci/slipway/pkg/metrics"
	"github.com/slipway-ci/slipway/pkg/pipeline"
	"github.com/slipway-ci/slipway/pkg/prune"
	"github.com/slipway-ci/slipway/pkg/quarantine"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/shard"
	"github.com/slipway-ci/slipway/pkg/task"
	"github.com/slipway-ci/slipway/pkg/webhook"
)

// Run starts the manager with Slipway's controllers and blocks until ctx ends.
func Run(ctx context.Context, o Options) error {
	if err := o.validate(); err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseDevMode(o.Dev), zap.Level(zapcore.InfoLevel)))
	mgr, err := newManager(o)
	if err != nil {
		return err
	}
	if err := setupControllers(mgr, o); err != nil {
		return err
	}
	ctrl.Log.Info("starting manager", "namespace", o.Namespace, "workers", o.Workers)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running manager: %w", err)
	}
	return nil
}

// setupControllers registers every reconciler with mgr.
func setupControllers(mgr ctrl.Manager, o Options) error {
	kube, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return fmt.Errorf("creating Kubernetes client: %w", err)
	}
	images := image.NewCache(image.NewRemote(kube), o.ImageTagTTL)
	instance, _ := os.Hostname()
	sink := events.New(mgr.GetClient(), mgr.GetScheme(), ctrl.Log.WithName("events"),
		events.Options{Controller: "tekton.dev/slipway-controller", Instance: instance})
	if err := mgr.Add(sink); err != nil {
		return fmt.Errorf("adding the event sink: %w", err)
	}
	remote, err := newResolution(mgr, o)
	if err != nil {
		return err
	}
	runQueue := queue.NewManager()
	shards, err := newShards(mgr, o, kube)
	if err != nil {
		return err
	}
	err = task.Setup(mgr, task.Options{Namespace: o.Namespace, Workers: o.Workers, Images: images, Recorder: sink, Remote: remote, Logs: kube,
		Queue: runQueue, Shards: shards})
	if err != nil {
		return err
	}
	err = pipeline.Setup(mgr, pipeline.Options{Namespace: o.Namespace, Workers: o.Workers, Recorder: sink, Remote: remote, Queue: runQueue,
		Shards: shards})
	if err != nil {
		return err
	}
	if err := approvalctl.Setup(mgr, approvalctl.Options{Recorder: sink}); err != nil {
		return err
	}
	if err := setupObservers(mgr, o, kube, sink, runQueue, shards); err != nil {
		return err
	}
	if o.WebhookPort == 0 {
		return nil
	}
	return webhook.Setup(mgr, webhook.Options{
		Namespace: o.Namespace, Port: o.WebhookPort,
		Config: func(ctx context.Context) (*config.Config, error) {
			return cluster.Load(ctx, mgr.GetClient(), o.Namespace)
		},
	})
}

// setupObservers registers what watches runs without driving them: the
// log archiver, the metrics, the pruner and the configuration reporter.
func setupObservers(mgr ctrl.Manager, o Options, kube kubernetes.Interface, sink *events.Sink, q *queue.Manager, shards *shard.Elector) error {
	err := archiver.Setup(mgr, archiver.Options{Store: &logs.OCI{}, Logs: kube, Recorder: sink, Namespace: o.Namespace, Shards: shards})
	if err != nil {
		return err
	}
	if _, err := metrics.Setup(mgr, q); err != nil {
		return err
	}
	if err := prune.Setup(mgr, o.Namespace, sink); err != nil {
		return err
	}
	reporter := cluster.NewReporter(mgr.GetClient(), o.Namespace, sink, ctrl.Log.WithName("config"), 10*time.Second)
	if err := mgr.Add(reporter); err != nil {
		return fmt.Errorf("adding the configuration reporter: %w", err)
	}
	return nil
}

func newManager(o Options) (ctrl.Manager, error) {
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = float32(o.QPS), o.Burst
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	if err := v1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	// StepActions are read as v1beta1, their storage version.
	if err := v1beta1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	// Slipway's own kinds (LogArchives).
	if err := slipwayv1alpha1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	// The webhook's certificate rotator writes caBundle into the CRDs.
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	// One object stored with a field of the wrong type must not stop the
	// informer of its kind (pkg/quarantine).
	cfg.Wrap(quarantine.Transport(scheme, v1.SchemeGroupVersion.Group))
	opts := ctrl.Options{
		Scheme: scheme,
		Cache: cache.Options{
			ByObject:         cacheByObject(o),
			DefaultTransform: cache.TransformStripManagedFields(),
		},
		Metrics:                metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress: o.HealthAddr,
		PprofBindAddress:       o.PprofAddr,
	}
	if err := electionOptions(cfg, o, &opts); err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding ready check: %w", err)
	}
	return mgr, nil
}

// electionOptions sets up leader election over a Lease held by pod names
// (pkg/leader): the replacement of a deleted leader, or a standby, takes
// over at its next retry; a leader that dies in place is replaced when its
// lease expires. The lease is released on shutdown.
func electionOptions(cfg *rest.Config, o Options, opts *ctrl.Options) error {
	if !o.LeaderElect {
		return nil
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating Kubernetes client: %w", err)
	}
	opts.LeaderElection = true
	opts.LeaderElectionID = o.LeaderElectionID
	opts.LeaderElectionNamespace = o.Namespace
	opts.LeaderElectionResourceLockInterface = leader.NewLock(kube.CoordinationV1(), kube.CoreV1(), o.Namespace, o.LeaderElectionID, o.Identity)
	opts.LeaderElectionReleaseOnCancel = true
	opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = &o.LeaseDuration, &o.RenewDeadline, &o.RetryPeriod
	return nil
}

// newShards returns the elector of this replica's shards, added to mgr,
// or nil when sharding is off (-shards 0). Its Leases are named after the
// leader election's and held by pod names (pkg/leader), so a shard whose
// holder's pod is gone is taken at once.
func newShards(mgr ctrl.Manager, o Options, kube kubernetes.Interface) (*shard.Elector, error) {
	if o.Shards == 0 {
		return nil, nil
	}
	e, err := shard.New(shard.Options{Shards: o.Shards, Namespace: o.Namespace, Prefix: o.LeaderElectionID, Identity: o.Identity,
		Leases: kube.CoordinationV1(),
		NewLock: func(name string) resourcelock.Interface {
			return leader.NewLock(kube.CoordinationV1(), kube.CoreV1(), o.Namespace, name, o.Identity)
		},
		LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod})
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(e); err != nil {
		return nil, fmt.Errorf("adding the shard elector: %w", err)
	}
	ctrl.Log.Info("sharding the runs", "shards", o.Shards,
		"note", "a concurrency limit across namespaces is counted per replica")
	return e, nil
}

// cacheByObject merges the cache restrictions of every controller.
func cacheByObject(o Options) map[client.Object]cache.ByObject {
	return task.CacheByObject(o.Namespace)
}
