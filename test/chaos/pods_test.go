//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// podRuns is how many PipelineRuns the pod-loss scenario runs.
const podRuns = 20

// slowChain is a → b, each step long enough to be hit, each task with
// two retries; b consumes a's result, so held pods (D25) are hit too.
func slowChain(i int) *pipelinev1.PipelineRun {
	pr := &pipelinev1.PipelineRun{}
	pr.Name = fmt.Sprintf("lose-%02d", i)
	step := func(script string) []pipelinev1.Step {
		return []pipelinev1.Step{{Name: "s", Image: "busybox", Script: script}}
	}
	pr.Spec.PipelineSpec = &pipelinev1.PipelineSpec{
		Results: []pipelinev1.PipelineResult{{Name: "out", Value: *pipelinev1.NewStructuredValues("$(tasks.b.results.v)")}},
		Tasks: []pipelinev1.PipelineTask{{
			Name: "a", Retries: 2,
			TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: pipelinev1.TaskSpec{
				Results: []pipelinev1.TaskResult{{Name: "v"}},
				Steps:   step(fmt.Sprintf("sleep 3; printf a%d > $(results.v.path)", i)),
			}},
		}, {
			Name: "b", Retries: 2,
			Params: pipelinev1.Params{{Name: "x", Value: *pipelinev1.NewStructuredValues("$(tasks.a.results.v)")}},
			TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: pipelinev1.TaskSpec{
				Params:  pipelinev1.ParamSpecs{{Name: "x"}},
				Results: []pipelinev1.TaskResult{{Name: "v"}},
				Steps:   step("sleep 3; printf $(params.x)-b > $(results.v.path)"),
			}},
		}},
	}
	return pr
}

// TestPodsDeletedAndEvicted: while PipelineRuns run, one of their pods
// (running, or held waiting for its upstream) is deleted or evicted
// through the Eviction API, in turn, every 1.5 s. Every run must end: with
// the right result (a retry took over), or failed for the lost pod; no
// attempt may get a second pod.
func TestPodsDeletedAndEvicted(t *testing.T) {
	e := newEnv(t, "pods")
	ctx := context.Background()
	e.startChains(ctx, podRuns)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var deleted, evicted int
	every(stop, &wg, 1500*time.Millisecond, func() {
		if e.losePod(ctx, (deleted+evicted)%2 == 1) {
			if (deleted+evicted)%2 == 1 {
				evicted++
			} else {
				deleted++
			}
		}
	})
	t0 := time.Now()
	e.waitRuns(ctx, podRuns, 10*time.Minute)
	elapsed := time.Since(t0)
	close(stop)
	wg.Wait()
	v := e.checkLost(ctx)
	record(fmt.Sprintf("%d PipelineRuns (a → b, 2 retries each) while a pod of theirs, running or held, is deleted or evicted every 1.5 s", podRuns),
		outcome(v.ok()), fmt.Sprintf("%s; %d pods deleted, %d evicted, all done in %s", v, deleted, evicted, elapsed.Round(time.Second)))
	if !v.ok() {
		t.Errorf("%s", v)
	}
}

// startChains creates n slowChain PipelineRuns.
func (e *env) startChains(ctx context.Context, n int) {
	e.t.Helper()
	for i := range n {
		pr := slowChain(i)
		pr.Namespace = e.ns
		if err := e.c.Create(ctx, pr); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestNodeDrained: while PipelineRuns run, the node is drained (kubectl
// drain: cordoned, every pod evicted; the controller's PodDisruptionBudget
// keeps one replica, so on the one-node cluster the drain gives up after
// its timeout) and uncordoned 10 s later. Every run must end: with the
// right result, or failed for its evicted pods.
func TestNodeDrained(t *testing.T) {
	const n = 10
	e := newEnv(t, "drain")
	ctx := context.Background()
	e.startChains(ctx, n)
	time.Sleep(2 * time.Second)
	var nodes corev1.NodeList
	if err := e.c.List(ctx, &nodes); err != nil || len(nodes.Items) != 1 {
		t.Fatalf("want one node: %v", err)
	}
	node := nodes.Items[0].Name
	t.Cleanup(func() { _ = exec.Command("kubectl", "uncordon", node).Run() })
	t0 := time.Now()
	out, err := exec.Command("kubectl", "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--force",
		"--grace-period=10", "--timeout=30s").CombinedOutput()
	drained := time.Since(t0)
	if err != nil {
		t.Logf("kubectl drain: %v\n%s", err, out)
	}
	evictions := strings.Count(string(out), " evicted")
	kept := strings.Contains(string(out), "disruption budget")
	time.Sleep(10 * time.Second)
	if out, err := exec.Command("kubectl", "uncordon", node).CombinedOutput(); err != nil {
		t.Fatalf("kubectl uncordon: %v\n%s", err, out)
	}
	e.waitRuns(ctx, n, 10*time.Minute)
	v := e.checkLost(ctx)
	record(fmt.Sprintf("%d PipelineRuns (a → b, 2 retries each) while the node is drained (kubectl drain, 30 s) and uncordoned 10 s later", n),
		outcome(v.ok()), fmt.Sprintf("%s; drain evicted %d pods in %s, the controller's PodDisruptionBudget kept its last replica: %v; all done %s after the drain began",
			v, evictions, drained.Round(time.Second), kept, time.Since(t0).Round(time.Second)))
	if !v.ok() {
		t.Errorf("%s", v)
	}
}

// losePod deletes (or evicts) one unfinished pod of the namespace's runs,
// picked at random.
func (e *env) losePod(ctx context.Context, evict bool) bool {
	var pods corev1.PodList
	if err := e.c.List(ctx, &pods, client.InNamespace(e.ns)); err != nil {
		return false
	}
	var live []corev1.Pod
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			live = append(live, p)
		}
	}
	rand.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	for _, p := range live {
		var err error
		if evict {
			err = e.kube.CoreV1().Pods(e.ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: p.Name}})
		} else {
			err = e.c.Delete(ctx, &p)
		}
		if err == nil {
			return true
		}
		e.t.Logf("losing pod %s: %v", p.Name, err)
	}
	return false
}

// lostVerdict counts how the runs ended.
type lostVerdict struct {
	runs, succeeded, wrongResult, lostFailures, otherFailures, extraPods, retries int
	others                                                                        []string
}

func (v lostVerdict) ok() bool {
	return v.wrongResult == 0 && v.otherFailures == 0 && v.extraPods == 0 && v.succeeded+v.lostFailures == v.runs
}

func (v lostVerdict) String() string {
	s := fmt.Sprintf("%d succeeded with the right result, %d failed for a lost pod (retries exhausted), %d wrong results, %d failed otherwise, %d pods beyond one per attempt, %d retries",
		v.succeeded, v.lostFailures, v.wrongResult, v.otherFailures, v.extraPods, v.retries)
	if len(v.others) > 0 {
		s += "; " + strings.Join(v.others[:min(3, len(v.others))], "; ")
	}
	return s
}

func (e *env) checkLost(ctx context.Context) lostVerdict {
	var v lostVerdict
	var trs pipelinev1.TaskRunList
	var pods corev1.PodList
	var prs pipelinev1.PipelineRunList
	for _, l := range []client.ObjectList{&trs, &pods, &prs} {
		if err := e.c.List(ctx, l, client.InNamespace(e.ns)); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, tr := range trs.Items {
		v.retries += len(tr.Status.RetriesStatus)
	}
	v.extraPods = extraPods(trs.Items, pods.Items)
	v.runs = len(prs.Items)
	for _, pr := range prs.Items {
		c := pr.Status.GetCondition(apis.ConditionSucceeded)
		var i int
		_, _ = fmt.Sscanf(pr.Name, "lose-%d", &i)
		switch {
		case pr.IsSuccessful() && len(pr.Status.Results) == 1 && pr.Status.Results[0].Value.StringVal == fmt.Sprintf("a%d-b", i):
			v.succeeded++
		case pr.IsSuccessful():
			v.wrongResult++
		case strings.Contains(c.GetMessage(), "deleted before it finished") || strings.Contains(c.GetMessage(), "Evicted") || e.lostChild(trs.Items, pr.Name):
			v.lostFailures++
		default:
			v.otherFailures++
			v.others = append(v.others, fmt.Sprintf("%s: %s %s", pr.Name, c.GetReason(), c.GetMessage()))
		}
	}
	return v
}

// lostChild reports whether a TaskRun of run failed for its lost pod.
func (e *env) lostChild(trs []pipelinev1.TaskRun, run string) bool {
	for _, tr := range trs {
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		if tr.Labels["tekton.dev/pipelineRun"] == run && c != nil && c.IsFalse() &&
			(c.Reason == "TaskRunPodDeleted" || c.Reason == "PodEvicted" || c.Reason == "TaskRunPodEvicted") {
			return true
		}
	}
	return false
}
