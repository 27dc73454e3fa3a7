//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
)

// scrapeLeader returns the leading controller's /metrics, read through the
// API server's pod proxy.
func (e *env) scrapeLeader() string {
	e.t.Helper()
	var lease coordinationv1.Lease
	key := types.NamespacedName{Namespace: "slipway", Name: "slipway-controller"}
	if err := e.c.Get(context.Background(), key, &lease); err != nil || lease.Spec.HolderIdentity == nil {
		e.t.Fatalf("leader lease: %v", err)
	}
	b, err := e.kube.CoreV1().RESTClient().Get().Namespace("slipway").Resource("pods").
		Name(*lease.Spec.HolderIdentity + ":9090").SubResource("proxy").Suffix("metrics").DoRaw(context.Background())
	if err != nil {
		e.t.Fatalf("scraping the leader: %v", err)
	}
	return string(b)
}

// TestMetrics: the controller exports Tekton's metrics for the runs of
// this namespace: durations and totals once they finish (an embedded
// pipelineSpec is named after its PipelineRun, as Tekton labels it), running counts
// and pod latency while they run.
func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: slow}
spec:
  taskSpec:
    steps:
    - {name: wait, image: busybox, script: sleep 4}
`, &pipelinev1.TaskRun{})
	e.apply(`
metadata: {name: two}
spec:
  pipelineSpec:
    tasks:
    - name: first
      taskSpec:
        steps: [{name: ok, image: busybox, script: "true"}]
`, &pipelinev1.PipelineRun{})
	e.runningPod("slow")
	running := e.scrapeLeader()
	for _, want := range []string{
		"tekton_pipelines_controller_running_taskruns ",
		"tekton_pipelines_controller_running_pipelineruns ",
		`tekton_pipelines_controller_taskruns_pod_latency_milliseconds{namespace="` + e.ns + `",pod="slow-pod"`,
	} {
		if !strings.Contains(running, want) {
			t.Errorf("while running, the metrics lack %s", want)
		}
	}
	e.waitTaskRunDone("slow", 2*time.Minute)
	e.waitPipelineRunDone("two", 2*time.Minute)
	var done string
	e.waitFor("the finished runs in the metrics", 30*time.Second, func(context.Context) (bool, error) {
		done = e.scrapeLeader()
		return strings.Contains(done, `pipelinerun_duration_seconds_count{namespace="`+e.ns+`"`), nil
	})
	for _, want := range []string{
		`tekton_pipelines_controller_taskrun_duration_seconds_count{namespace="` + e.ns + `",reason="Succeeded",status="success",task="anonymous"} 1`,
		`tekton_pipelines_controller_pipelinerun_taskrun_duration_seconds_count{namespace="` + e.ns + `",pipeline="two",reason="Succeeded",status="success",task="first"} 1`,
		`tekton_pipelines_controller_pipelinerun_duration_seconds_count{namespace="` + e.ns + `",pipeline="two",reason="Succeeded",status="success"} 1`,
		`tekton_pipelines_controller_taskrun_total{status="success"}`,
		`tekton_pipelines_controller_pipelinerun_total{status="success"}`,
	} {
		if !strings.Contains(done, want) {
			t.Errorf("once done, the metrics lack %s", want)
		}
	}
}
