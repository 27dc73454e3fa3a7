package metrics

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/slipway-ci/slipway/pkg/queue"
)

func cond(s corev1.ConditionStatus, reason string) *apis.Condition {
	return &apis.Condition{Type: apis.ConditionSucceeded, Status: s, Reason: reason}
}

// scrape renders every collector of m as the metrics endpoint would.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestFinished(t *testing.T) {
	cases := []struct {
		name     string
		old, new *apis.Condition
		want     bool
	}{
		{"no condition yet", nil, nil, false},
		{"started", nil, cond(corev1.ConditionUnknown, "Running"), false},
		{"succeeded", cond(corev1.ConditionUnknown, "Running"), cond(corev1.ConditionTrue, "Succeeded"), true},
		{"failed at once", nil, cond(corev1.ConditionFalse, "Failed"), true},
		{"a done run written again", cond(corev1.ConditionFalse, "Failed"), cond(corev1.ConditionFalse, "Failed"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := finished(tc.old, tc.new); got != tc.want {
				t.Errorf("finished = %v, want %v", got, tc.want)
			}
		})
	}
}

func taskRun(labels map[string]string, c *apis.Condition, cancelled bool) *v1.TaskRun {
	start := metav1.NewTime(time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(42 * time.Second))
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "tr", Labels: labels}}
	tr.Status.SetCondition(c)
	tr.Status.StartTime, tr.Status.CompletionTime = &start, &end
	if cancelled {
		tr.Spec.Status = v1.TaskRunSpecStatusCancelled
	}
	return tr
}

func TestTaskRunDone(t *testing.T) {
	cases := []struct {
		name, want string
		tr         *v1.TaskRun
	}{
		{"standalone success", `taskrun_duration_seconds_sum{namespace="ns",reason="Succeeded",status="success",task="build"} 42`,
			taskRun(map[string]string{labelTask: "build"}, cond(corev1.ConditionTrue, "Succeeded"), false)},
		{"embedded spec", `taskrun_duration_seconds_sum{namespace="ns",reason="Failed",status="failed",task="anonymous"} 42`,
			taskRun(nil, cond(corev1.ConditionFalse, "Failed"), false)},
		{"cancelled", `status="cancelled"`,
			taskRun(nil, cond(corev1.ConditionFalse, "TaskRunCancelled"), true)},
		{"in a pipeline", `pipelinerun_taskrun_duration_seconds_sum{namespace="ns",pipeline="ship",reason="Succeeded",status="success",task="test"} 42`,
			taskRun(map[string]string{labelPipelineRun: "ship-1", labelPipeline: "ship", labelPipelineTask: "test"}, cond(corev1.ConditionTrue, "Succeeded"), false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			m.TaskRunDone(tc.tr)
			if out := scrape(t, m); !strings.Contains(out, tc.want) {
				t.Errorf("metrics lack %s:\n%s", tc.want, out)
			}
			if got := testutil.ToFloat64(m.trTotal); got != 1 {
				t.Errorf("taskrun_total = %v, want 1", got)
			}
		})
	}
}

func TestPipelineRunDone(t *testing.T) {
	m := New()
	start := metav1.NewTime(time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC))
	end := metav1.NewTime(start.Add(90 * time.Second))
	pr := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Labels: map[string]string{labelPipeline: "ship"}}}
	pr.Status.SetCondition(cond(corev1.ConditionTrue, "Succeeded"))
	pr.Status.StartTime, pr.Status.CompletionTime = &start, &end
	m.PipelineRunDone(pr)
	running := pr.DeepCopy()
	running.Status.SetCondition(cond(corev1.ConditionUnknown, "Running"))
	m.PipelineRunDone(running) // not finished: not observed
	if got := testutil.ToFloat64(m.prTotal.WithLabelValues("success")); got != 1 {
		t.Errorf("pipelinerun_total{success} = %v, want 1", got)
	}
	out := scrape(t, m)
	if !strings.Contains(out, `pipelinerun_duration_seconds_sum{namespace="ns",pipeline="ship",reason="Succeeded",status="success"} 90`) {
		t.Errorf("pipelinerun_duration_seconds:\n%s", out)
	}
}

// TestDashboardUsesExportedMetrics keeps config/grafana-dashboard.json to
// the metrics this package exports.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("../../config/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	reg := prometheus.NewPedanticRegistry()
	m := New()
	reg.MustRegister(append(m.collectors(), &gauges{leading: &atomic.Bool{}})...)
	descs := make(chan *prometheus.Desc, 64)
	for _, c := range append(m.collectors(), &gauges{}) {
		c.Describe(descs)
	}
	close(descs)
	for d := range descs {
		name := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())
		exported[name[1]] = true
	}
	used := regexp.MustCompile(`(tekton_pipelines_controller|slipway_queue)_[a-z_]+`).FindAllString(string(b), -1)
	if len(used) == 0 {
		t.Fatal("the dashboard uses no metric")
	}
	for _, u := range used {
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u, "_bucket"), "_count"), "_sum")
		if !exported[base] {
			t.Errorf("the dashboard uses %s, which is not exported", u)
		}
	}
}

// TestGaugesOfAReplicaNotLeading: a replica that does not lead exports
// what its own queue holds back (with -shards it queues its shards' runs)
// and none of the cluster-wide gauges, which the leader exports.
func TestGaugesOfAReplicaNotLeading(t *testing.T) {
	limits, err := queue.Parse("- {name: one, kind: TaskRun, namespace: ns, max: 1}")
	if err != nil {
		t.Fatal(err)
	}
	q := queue.NewManager()
	running := &queue.Run{Kind: queue.KindTaskRun, Namespace: "ns", Name: "a", Started: true}
	waiting := &queue.Run{Kind: queue.KindTaskRun, Namespace: "ns", Name: "b"}
	if v, err := q.Admit(waiting, limits, func() ([]*queue.Run, error) { return []*queue.Run{running, waiting}, nil }); err != nil || v.Start {
		t.Fatalf("Admit = %+v, %v; want b held back", v, err)
	}
	for _, leading := range []bool{false, true} {
		g := &gauges{leading: &atomic.Bool{}, queue: q}
		g.leading.Store(leading)
		if leading {
			scheme := runtime.NewScheme()
			_ = v1.AddToScheme(scheme)
			_ = corev1.AddToScheme(scheme)
			g.reader = fake.NewClientBuilder().WithScheme(scheme).Build()
		}
		ch := make(chan prometheus.Metric, 16)
		g.Collect(ch)
		close(ch)
		var names []string
		for m := range ch {
			names = append(names, regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(m.Desc().String())[1])
		}
		if !slices.Contains(names, "slipway_queue_waiting_runs") || (!leading && len(names) != 1) || (leading && len(names) < 3) {
			t.Errorf("leading %v: exported %v", leading, names)
		}
	}
}
