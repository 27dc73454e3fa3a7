// Package metrics exports Prometheus metrics under Tekton's names
// (tekton_pipelines_controller_*), with Tekton's labels, so that
// dashboards and alerts written for Tekton work unchanged.
//
// Durations and totals are observed when a run's Succeeded condition goes
// from unknown to true or false, seen in the informers' update events;
// running counts and pod latencies are computed from the informer cache at
// scrape time, so they are right after a restart too. All of it runs on
// the leader only: a standby replica exports no run metrics, so sums over
// replicas never count a run twice.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Namespace and subsystem of every metric, as Tekton names them.
const (
	namespace = "tekton_pipelines_controller"
)

// durationBuckets are Tekton's histogram buckets for run durations.
var durationBuckets = []float64{10, 30, 60, 300, 900, 1800, 3600, 5400, 10800, 21600, 43200, 86400}

// Metrics holds the collectors.
type Metrics struct {
	prDuration   *prometheus.HistogramVec
	prTRDuration *prometheus.HistogramVec
	trDuration   *prometheus.HistogramVec
	prTotal      *prometheus.CounterVec
	trTotal      *prometheus.CounterVec
	// queueWait is Slipway's own: Tekton has no queues (D23).
	queueWait *prometheus.HistogramVec
}

// queueBuckets are the buckets of queue wait times, in seconds.
var queueBuckets = []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 10800}

// New returns the collectors, not yet registered.
func New() *Metrics {
	return &Metrics{
		prDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "pipelinerun_duration_seconds",
			Help: "The pipelinerun execution time in seconds", Buckets: durationBuckets,
		}, []string{"pipeline", "namespace", "status", "reason"}),
		prTRDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "pipelinerun_taskrun_duration_seconds",
			Help: "The pipelinerun's taskrun execution time in seconds", Buckets: durationBuckets,
		}, []string{"pipeline", "task", "namespace", "status", "reason"}),
		trDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "taskrun_duration_seconds",
			Help: "The taskrun's execution time in seconds", Buckets: durationBuckets,
		}, []string{"task", "namespace", "status", "reason"}),
		prTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "pipelinerun_total", Help: "Number of pipelineruns",
		}, []string{"status"}),
		trTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "taskrun_total", Help: "Number of taskruns",
		}, []string{"status"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slipway_queue_wait_seconds", Buckets: queueBuckets,
			Help: "How long runs held back by a concurrency limit waited, from creation to start",
		}, []string{"kind", "limit"}),
	}
}

// collectors lists every collector that New made.
func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.prDuration, m.prTRDuration, m.trDuration, m.prTotal, m.trTotal, m.queueWait}
}
