package metrics

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"knative.dev/pkg/apis"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// Setup registers the metrics in controller-runtime's registry (served on
// the manager's metrics endpoint) and observes runs while mgr leads, and
// the queues of q (nil: none).
func Setup(mgr ctrl.Manager, q *queue.Manager) (*Metrics, error) {
	m := New()
	g := &gauges{reader: mgr.GetCache(), leading: &atomic.Bool{}, queue: q}
	if q != nil {
		q.OnStart(func(w queue.Waiting, waited time.Duration) {
			m.queueWait.WithLabelValues(w.Kind, w.Limit).Observe(waited.Seconds())
		})
	}
	for _, c := range append(m.collectors(), g) {
		if err := ctrlmetrics.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("registering metrics: %w", err)
		}
	}
	if err := mgr.Add(&observer{m: m, mgr: mgr, leading: g.leading}); err != nil {
		return nil, fmt.Errorf("adding the metrics observer: %w", err)
	}
	return m, nil
}

// observer watches runs finish; it runs on the leader only.
type observer struct {
	m       *Metrics
	mgr     ctrl.Manager
	leading *atomic.Bool
}

func (o *observer) NeedLeaderElection() bool { return true }

func (o *observer) Start(ctx context.Context) error {
	trs, err := o.mgr.GetCache().GetInformer(ctx, &v1.TaskRun{})
	if err != nil {
		return err
	}
	prs, err := o.mgr.GetCache().GetInformer(ctx, &v1.PipelineRun{})
	if err != nil {
		return err
	}
	_, err = trs.AddEventHandler(toolscache.ResourceEventHandlerFuncs{UpdateFunc: func(oldObj, newObj any) {
		before, ok1 := oldObj.(*v1.TaskRun)
		after, ok2 := newObj.(*v1.TaskRun)
		if ok1 && ok2 && finished(before.Status.GetCondition(apis.ConditionSucceeded), after.Status.GetCondition(apis.ConditionSucceeded)) {
			o.m.TaskRunDone(after)
		}
	}})
	if err != nil {
		return err
	}
	_, err = prs.AddEventHandler(toolscache.ResourceEventHandlerFuncs{UpdateFunc: func(oldObj, newObj any) {
		before, ok1 := oldObj.(*v1.PipelineRun)
		after, ok2 := newObj.(*v1.PipelineRun)
		if ok1 && ok2 && finished(before.Status.GetCondition(apis.ConditionSucceeded), after.Status.GetCondition(apis.ConditionSucceeded)) {
			o.m.PipelineRunDone(after)
		}
	}})
	if err != nil {
		return err
	}
	o.leading.Store(true)
	defer o.leading.Store(false)
	<-ctx.Done()
	return nil
}

var (
	runningPRs = prometheus.NewDesc(namespace+"_running_pipelineruns", "Number of pipelineruns executing currently", nil, nil)
	runningTRs = prometheus.NewDesc(namespace+"_running_taskruns", "Number of taskruns executing currently", nil, nil)
	podLatency = prometheus.NewDesc(namespace+"_taskruns_pod_latency_milliseconds",
		"scheduling latency for the taskruns pods", []string{"namespace", "pod", "task", "taskrun"}, nil)
	queueDepth = prometheus.NewDesc("slipway_queue_waiting_runs",
		"Number of runs a concurrency limit holds back now", []string{"kind", "limit"}, nil)
)

// gauges computes the running counts and pod latencies from the cache at
// scrape time.
type gauges struct {
	reader  client.Reader
	leading *atomic.Bool
	queue   *queue.Manager
}

func (g *gauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- runningPRs
	ch <- runningTRs
	ch <- podLatency
	ch <- queueDepth
}

// queueDepths reports how many runs each limit holds back.
func (g *gauges) queueDepths(ch chan<- prometheus.Metric) {
	if g.queue == nil {
		return
	}
	depth := map[[2]string]int{}
	for _, w := range g.queue.Waiting() {
		depth[[2]string{w.Kind, w.Limit}]++
	}
	for k, n := range depth {
		ch <- prometheus.MustNewConstMetric(queueDepth, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// Collect reports, on the leader, the running counts and pod latencies of
// the whole cluster (from its cache); on every replica, the runs its own
// queue holds back (with -shards each replica queues its shards' runs,
// D29; without, only the leader's queue holds any).
func (g *gauges) Collect(ch chan<- prometheus.Metric) {
	g.queueDepths(ch)
	if !g.leading.Load() {
		return
	}
	ctx := context.Background()
	var prs v1.PipelineRunList
	if err := g.reader.List(ctx, &prs, client.UnsafeDisableDeepCopy); err == nil {
		n := 0
		for i := range prs.Items {
			if !prs.Items[i].IsDone() {
				n++
			}
		}
		ch <- prometheus.MustNewConstMetric(runningPRs, prometheus.GaugeValue, float64(n))
	}
	var trs v1.TaskRunList
	if err := g.reader.List(ctx, &trs, client.UnsafeDisableDeepCopy); err == nil {
		n := 0
		for i := range trs.Items {
			if !trs.Items[i].IsDone() {
				n++
			}
		}
		ch <- prometheus.MustNewConstMetric(runningTRs, prometheus.GaugeValue, float64(n))
	}
	g.podLatencies(ctx, ch)
}

// podLatencies reports, for each unfinished pod of a TaskRun, how long it
// took from its creation to being scheduled.
func (g *gauges) podLatencies(ctx context.Context, ch chan<- prometheus.Metric) {
	var pods corev1.PodList
	if err := g.reader.List(ctx, &pods, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionTrue {
				continue
			}
			ms := float64(c.LastTransitionTime.Sub(p.CreationTimestamp.Time).Milliseconds())
			ch <- prometheus.MustNewConstMetric(podLatency, prometheus.GaugeValue, ms,
				p.Namespace, p.Name, p.Labels[labelTask], p.Labels[resources.LabelTaskRun])
		}
	}
}
