//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/shard"
)

// spreadNamespaces are the namespaces of the sharding scenarios.
const spreadNamespaces = 8

// TestShardsShareTheWork: with -shards 4 the two replicas share the runs
// (docs/design.md D29). Measured against the leader alone: the rate at
// which TaskRuns spread over 8 namespaces become pods, and what a replica
// that hangs mid-stream (SIGSTOP: its pod stays, its Leases lapse) stalls:
// its shards' namespaces only, for about a lease; the leader alone stalls
// them all.
func TestShardsShareTheWork(t *testing.T) {
	e := newEnv(t, "shards")
	ctx := context.Background()
	nss := e.spread(ctx)
	node := e.nodeName(ctx)
	t.Cleanup(func() { cordon(t, node, false); e.setShards(ctx, 0) })
	var figures []string
	ok := true
	for _, shards := range []int{0, 4} {
		e.setShards(ctx, shards)
		// Cordoned, pods are made but never run: what is measured is the
		// controllers; the replacement of the killed replica waits too.
		cordon(t, node, true)
		rate := e.burst(ctx, nss, 400)
		stalled, others, victim := e.streamAndKill(ctx, nss, shards)
		cordon(t, node, false)
		e.waitControllers(ctx, shards)
		mode := "the leader alone"
		if shards > 0 {
			mode = fmt.Sprintf("-shards %d on 2 replicas", shards)
		}
		figures = append(figures, fmt.Sprintf("%s: 400 TaskRuns over %d namespaces → pods at %.0f/s; %s hung (SIGSTOP) mid-stream: "+
			"its %d namespaces' longest wait %s, the other %d's %s", mode, spreadNamespaces, rate, victim,
			len(stalled), maxOf(stalled), len(others), maxOf(others)))
		if shards > 0 && (len(others) == 0 || maxOf(others) > 5*time.Second) {
			ok = false
		}
	}
	record("TaskRuns over 8 namespaces, the leader alone against -shards 4 on 2 replicas: pod creation rate, and the stall when one replica hangs (node cordoned)",
		outcome(ok), strings.Join(figures, "; "))
	if !ok {
		t.Errorf("with shards, a replica's death stalled the others' namespaces: %v", figures)
	}
}

// spread creates the scenario's namespaces (deleted with the test).
func (e *env) spread(ctx context.Context) []string {
	var nss []string
	for i := range spreadNamespaces {
		ns := fmt.Sprintf("%s-%d", e.ns, i)
		if err := e.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() {
			_ = e.c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		})
		nss = append(nss, ns)
	}
	for _, ns := range nss {
		e.waitFor("the default ServiceAccount of "+ns, time.Minute, func() bool {
			return e.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "default"}, &corev1.ServiceAccount{}) == nil
		})
	}
	return nss
}

func (e *env) nodeName(ctx context.Context) string {
	var nodes corev1.NodeList
	if err := e.c.List(ctx, &nodes); err != nil || len(nodes.Items) != 1 {
		e.t.Fatalf("want one node: %v", err)
	}
	return nodes.Items[0].Name
}

func cordon(t *testing.T, node string, on bool) {
	verb := "uncordon"
	if on {
		verb = "cordon"
	}
	if out, err := exec.Command("kubectl", verb, node).CombinedOutput(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", verb, err, out)
	}
}

// setShards restarts the controller with -shards n (0: none) and waits
// until both replicas run and, with shards, each holds some.
func (e *env) setShards(ctx context.Context, n int) {
	out, err := exec.Command("kubectl", "-n", controllerNS, "get", "deployment", "slipway-controller", "-o",
		"jsonpath={.spec.template.spec.containers[0].args}").Output()
	if err != nil {
		e.t.Fatalf("reading the controller's args: %v", err)
	}
	var args, kept []string
	_ = json.Unmarshal(out, &args)
	for _, a := range args {
		if !strings.HasPrefix(a, "-shards") {
			kept = append(kept, a)
		}
	}
	if n > 0 {
		kept = append(kept, fmt.Sprintf("-shards=%d", n))
	}
	patch, _ := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": kept}})
	if out, err := exec.Command("kubectl", "-n", controllerNS, "patch", "deployment", "slipway-controller", "--type", "json",
		"-p", string(patch)).CombinedOutput(); err != nil {
		e.t.Fatalf("patching the controller: %v\n%s", err, out)
	}
	e.waitControllers(ctx, n)
}

// waitControllers waits for two ready controller pods of the current
// template and, with n shards, for each to hold some of them.
func (e *env) waitControllers(ctx context.Context, n int) {
	if out, err := exec.Command("kubectl", "-n", controllerNS, "rollout", "status", "deployment/slipway-controller",
		"--timeout=3m").CombinedOutput(); err != nil {
		e.t.Fatalf("rollout: %v\n%s", err, out)
	}
	e.waitFor("the shards to spread over both replicas", 2*time.Minute, func() bool {
		if n == 0 {
			return true
		}
		held := e.shardHolders(ctx)
		count := map[string]int{}
		for _, h := range held {
			count[h]++
		}
		live := e.controllerPods(ctx)
		return len(held) == n && len(count) == 2 && live[held[0]] != nil
	})
}

// shardHolders returns the holder of each shard Lease, by shard.
func (e *env) shardHolders(ctx context.Context) map[int]string {
	out := map[int]string{}
	var leases coordinationv1.LeaseList
	if err := e.c.List(ctx, &leases, client.InNamespace(controllerNS)); err != nil {
		return out
	}
	for _, l := range leases.Items {
		var i int
		if _, err := fmt.Sscanf(l.Name, controllerLease+"-shard-%d", &i); err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
			continue
		}
		out[i] = *l.Spec.HolderIdentity
	}
	return out
}

// burst creates n one-step TaskRuns round-robin over nss at once and
// returns how many became pods per second.
func (e *env) burst(ctx context.Context, nss []string, n int) float64 {
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				e.createTaskRun(ctx, nss[i%len(nss)], fmt.Sprintf("burst-%d", i))
			}
		}()
	}
	wg.Wait()
	e.waitFor("every burst TaskRun's pod", 5*time.Minute, func() bool { return e.podsIn(ctx, nss, "burst-") >= n })
	rate := float64(n) / time.Since(t0).Seconds()
	e.deleteRuns(ctx, nss)
	return rate
}

// createTaskRun creates a one-step TaskRun, trying again as a client
// would when the webhook call fails (a hung replica's webhook does not
// answer until its pod is taken out of the Service).
func (e *env) createTaskRun(ctx context.Context, ns, name string) {
	var err error
	for range 5 {
		tr := &pipelinev1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: pipelinev1.TaskRunSpec{TaskSpec: &pipelinev1.TaskSpec{Steps: []pipelinev1.Step{{Name: "s", Image: "busybox", Script: "true"}}}}}
		if err = e.c.Create(ctx, tr); err == nil || apierrors.IsAlreadyExists(err) {
			return
		}
	}
	e.t.Errorf("creating %s/%s: %v", ns, name, err)
}

func (e *env) podsIn(ctx context.Context, nss []string, prefix string) int {
	n := 0
	for _, ns := range nss {
		var pods corev1.PodList
		if err := e.c.List(ctx, &pods, client.InNamespace(ns)); err == nil {
			for _, p := range pods.Items {
				if strings.HasPrefix(p.Name, prefix) {
					n++
				}
			}
		}
	}
	return n
}

func (e *env) deleteRuns(ctx context.Context, nss []string) {
	for _, ns := range nss {
		_ = e.c.DeleteAllOf(ctx, &pipelinev1.TaskRun{}, client.InNamespace(ns))
	}
	e.waitFor("the runs' pods to go", 5*time.Minute, func() bool { return e.podsIn(ctx, nss, "") == 0 })
}

// streamAndKill creates a TaskRun every 100 ms, round-robin over nss, for
// 30 s, stopping a controller replica's process after 10 s (SIGSTOP; with
// shards, the holder of shard 0, else the leader) and letting it go on at
// the end (SIGCONT: it finds its Leases taken and steps back). It returns,
// per namespace, the longest time a TaskRun of the stream waited for its
// pod: those of the stopped replica's namespaces, the others', and the
// replica's name.
func (e *env) streamAndKill(ctx context.Context, nss []string, shards int) (stalled, others []time.Duration, victim string) {
	victim, _ = e.lease(ctx)
	if shards > 0 {
		victim = e.shardHolders(ctx)[0]
	}
	hit := map[string]bool{}
	for _, ns := range nss {
		hit[ns] = shards == 0 || e.shardHolders(ctx)[shard.Of(ns, shards)] == victim
	}
	pid := e.pidOf(ctx, victim)
	defer func() { _ = syscall.Kill(pid, syscall.SIGCONT) }()
	// Each create in its own goroutine: one that waits out a hung
	// replica's webhook must not hold back the stream.
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		if i == 100 {
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				e.t.Fatalf("stopping %s: %v", victim, err)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.createTaskRun(ctx, nss[i%len(nss)], fmt.Sprintf("stream-%d", i))
		}()
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	e.waitFor("every stream TaskRun's pod", 5*time.Minute, func() bool { return e.podsIn(ctx, nss, "stream-") >= 300 })
	_ = syscall.Kill(pid, syscall.SIGCONT)
	longest := e.podWaits(ctx, nss)
	for _, ns := range nss {
		if hit[ns] {
			stalled = append(stalled, longest[ns])
		} else {
			others = append(others, longest[ns])
		}
	}
	e.deleteRuns(ctx, nss)
	return stalled, others, victim
}

// podWaits returns, per namespace, the longest wait from a stream
// TaskRun's creation to its pod's, as the API server stamped them (whole
// seconds; a webhook call that hung before the TaskRun was stored does
// not count).
func (e *env) podWaits(ctx context.Context, nss []string) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, ns := range nss {
		var pods corev1.PodList
		var trs pipelinev1.TaskRunList
		if e.c.List(ctx, &pods, client.InNamespace(ns)) != nil || e.c.List(ctx, &trs, client.InNamespace(ns)) != nil {
			continue
		}
		created := map[string]time.Time{}
		for _, tr := range trs.Items {
			created[tr.Name] = tr.CreationTimestamp.Time
		}
		for _, p := range pods.Items {
			t0, ok := created[p.Labels["tekton.dev/taskRun"]]
			if ok && strings.HasPrefix(p.Name, "stream-") && p.CreationTimestamp.Sub(t0) > out[ns] {
				out[ns] = p.CreationTimestamp.Sub(t0)
			}
		}
	}
	return out
}

func maxOf(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)-1]
}

// pidOf is the main process of the controller pod's container.
func (e *env) pidOf(ctx context.Context, pod string) int {
	p := e.controllerPods(ctx)[pod]
	if p == nil || len(p.Status.ContainerStatuses) == 0 {
		e.t.Fatalf("controller %q has no running container", pod)
	}
	_, id, _ := strings.Cut(p.Status.ContainerStatuses[0].ContainerID, "://")
	pid, err := processOf(id)
	if err != nil {
		e.t.Fatal(err)
	}
	return pid
}
