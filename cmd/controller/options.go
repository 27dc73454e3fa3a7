package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// Options is everything the controller's flags and environment set.
type Options struct {
	// Namespace is where the controller runs and reads slipway-config
	// (POD_NAMESPACE).
	Namespace string
	// QPS and Burst bound requests to the API server. Creating ≥ 150 pods/s
	// with status writes needs several times that.
	QPS   float64
	Burst int
	// Workers is how many runs of each kind are reconciled at once.
	Workers int
	// LeaderElect and LeaderElectionID control leader election.
	LeaderElect      bool
	LeaderElectionID string
	// Identity is this replica's name in the Lease: its pod's (POD_NAME).
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod time the election: a
	// leader that dies without its pod being deleted is replaced within
	// LeaseDuration + RetryPeriod.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// MetricsAddr and HealthAddr are the bind addresses of the endpoints
	// ("0" disables metrics).
	MetricsAddr string
	HealthAddr  string
	// WebhookPort is where the admission and conversion webhook listens
	// (0 disables it).
	WebhookPort int
	// PprofAddr serves net/http/pprof when set (off by default).
	PprofAddr string
	// ImageTagTTL is how long an image tag → digest lookup is trusted.
	ImageTagTTL time.Duration
	// Dev switches logging to human-readable development output.
	Dev bool
	// Shards splits the runs among the replicas (D29): 0 leaves every run
	// to the elected leader; N shares N shards of the namespaces among the
	// replicas alive, timed by the leader election's durations.
	Shards int
}

func defaultOptions() Options {
	return Options{
		Namespace:        os.Getenv("POD_NAMESPACE"),
		QPS:              500,
		Burst:            1000,
		Workers:          32,
		LeaderElect:      true,
		LeaderElectionID: "slipway-controller",
		Identity:         podName(),
		LeaseDuration:    8 * time.Second,
		RenewDeadline:    6 * time.Second,
		RetryPeriod:      time.Second,
		MetricsAddr:      ":9090",
		HealthAddr:       ":8081",
		WebhookPort:      9443,
		ImageTagTTL:      5 * time.Minute,
	}
}

func (o *Options) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "namespace of the controller and its slipway-config ConfigMap (default $POD_NAMESPACE)")
	fs.Float64Var(&o.QPS, "kube-api-qps", o.QPS, "queries per second to the API server")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "burst of queries to the API server")
	fs.IntVar(&o.Workers, "workers", o.Workers, "runs of each kind reconciled concurrently")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect a leader among controller replicas")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "name of the leader election lease")
	fs.DurationVar(&o.LeaseDuration, "lease-duration", o.LeaseDuration, "how long a leader's lease lasts without renewal")
	fs.DurationVar(&o.RenewDeadline, "renew-deadline", o.RenewDeadline, "how long the leader retries renewing before it steps down")
	fs.DurationVar(&o.RetryPeriod, "retry-period", o.RetryPeriod, "how often candidates try to take the lease")
	fs.StringVar(&o.MetricsAddr, "metrics-addr", o.MetricsAddr, "metrics bind address (0 disables)")
	fs.StringVar(&o.HealthAddr, "health-addr", o.HealthAddr, "health probe bind address")
	fs.IntVar(&o.WebhookPort, "webhook-port", o.WebhookPort, "admission and conversion webhook port (0 disables)")
	fs.StringVar(&o.PprofAddr, "pprof-addr", o.PprofAddr, "pprof bind address (empty disables)")
	fs.DurationVar(&o.ImageTagTTL, "image-tag-ttl", o.ImageTagTTL, "how long an image tag's digest is cached")
	fs.BoolVar(&o.Dev, "dev", o.Dev, "human-readable development logging")
	fs.IntVar(&o.Shards, "shards", o.Shards, "shards of namespaces shared among the replicas (0: the leader reconciles every run)")
}

func (o Options) validate() error {
	switch {
	case o.Namespace == "":
		return fmt.Errorf("no namespace: set POD_NAMESPACE or -namespace")
	case o.QPS <= 0 || o.Burst <= 0:
		return fmt.Errorf("-kube-api-qps and -kube-api-burst must be positive")
	case o.Workers < 1:
		return fmt.Errorf("-workers must be at least 1")
	case o.Shards < 0:
		return fmt.Errorf("-shards must not be negative")
	case (o.LeaderElect || o.Shards > 0) && (o.Identity == "" || o.RetryPeriod <= 0 || o.RenewDeadline <= o.RetryPeriod || o.LeaseDuration <= o.RenewDeadline):
		return fmt.Errorf("leader election and sharding need POD_NAME (or a hostname) and -lease-duration > -renew-deadline > -retry-period > 0")
	}
	return nil
}

// podName is the pod's name from the downward API, else the hostname
// (which is the pod's name unless the pod sets another).
func podName() string {
	if n := os.Getenv("POD_NAME"); n != "" {
		return n
	}
	h, _ := os.Hostname()
	return h
}
