//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func outcome(ok bool) string {
	if ok {
		return "pass"
	}
	return "**FAIL**"
}

// TestControllerKilledEvery3s: PipelineRuns (fan-out, results passed
// between tasks, finally) while the leading controller's pod is
// force-deleted 3 s after each takeover.
func TestControllerKilledEvery3s(t *testing.T) {
	e := newEnv(t, "kill")
	ctx := context.Background()
	names := e.startRuns(ctx, *runs)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	total, failed := e.probeWebhook(ctx, stop, &wg)
	var takeovers []time.Duration
	var mu sync.Mutex
	every(stop, &wg, 3*time.Second, func() {
		if d, err := e.killLeaderPod(ctx); err == nil {
			mu.Lock()
			takeovers = append(takeovers, d)
			mu.Unlock()
		} else {
			t.Logf("kill: %v", err)
		}
	})
	t0 := time.Now()
	e.waitRuns(ctx, *runs, 30*time.Minute)
	elapsed := time.Since(t0)
	close(stop)
	wg.Wait()
	v := e.check(ctx, names)
	record(fmt.Sprintf("%d PipelineRuns (3-way fan-out, results joined, finally) while the leader's pod is force-deleted 3 s after each takeover (2 replicas)", *runs),
		outcome(v.ok(*runs)), fmt.Sprintf("%s; %d kills, all done in %s; takeover %s; webhook answered %d of %d dry-run creates",
			v, len(takeovers), elapsed.Round(time.Second), stats(takeovers), total.Load()-failed.Load(), total.Load()))
	if !v.ok(*runs) {
		t.Errorf("%s", v)
	}
}

// TestWebhookWithOneReplicaDown: with both replicas ready, the leader's
// pod is force-deleted; dry-run creates through the webhook go on.
func TestWebhookWithOneReplicaDown(t *testing.T) {
	e := newEnv(t, "webhook")
	ctx := context.Background()
	var answered, total int64
	for range 3 {
		e.waitFor("both replicas ready", 3*time.Minute, func() bool { return e.readyReplicas(ctx) == 2 })
		stop := make(chan struct{})
		var wg sync.WaitGroup
		tot, failed := e.probeWebhook(ctx, stop, &wg)
		time.Sleep(2 * time.Second)
		if _, err := e.killLeaderPod(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second)
		close(stop)
		wg.Wait()
		answered, total = answered+tot.Load()-failed.Load(), total+tot.Load()
	}
	ok := answered*100 >= total*98
	record("the leader's pod force-deleted while the other replica is ready, 3 times; a dry-run create through the webhook every 200 ms for 17 s each",
		outcome(ok), fmt.Sprintf("webhook answered %d of %d", answered, total))
	if !ok {
		t.Errorf("webhook answered %d of %d", answered, total)
	}
}

// readyReplicas counts the controller's ready pods.
func (e *env) readyReplicas(ctx context.Context) int {
	n := 0
	for _, p := range e.controllerPods(ctx) {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
				n++
			}
		}
	}
	return n
}

// TestLeaderKilledInPlace: the leader's process is SIGKILLed without its
// pod going away (a crash): the lease is renewed again, by the restarted
// container or by the standby once the lease expires.
func TestLeaderKilledInPlace(t *testing.T) {
	e := newEnv(t, "crash")
	ctx := context.Background()
	var back []time.Duration
	for range 5 {
		d, err := e.killLeaderInPlace(ctx)
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, d)
		time.Sleep(12 * time.Second)
	}
	var ok bool
	for _, d := range back {
		ok = d < 15*time.Second
		if !ok {
			break
		}
	}
	record("leader's process SIGKILLed in place 5 times, 12 s apart (its pod stays; lease-duration 8 s, retry-period 1 s)",
		outcome(ok), "leader renewing again after "+stats(back))
	if !ok {
		t.Errorf("a takeover took 15 s or more: %s", stats(back))
	}
}

// TestAPIServerRestart: 50 PipelineRuns while kube-apiserver is killed and
// restarted, then etcd and kube-apiserver.
func TestAPIServerRestart(t *testing.T) {
	e := newEnv(t, "apiserver")
	ctx := context.Background()
	names := e.startRuns(ctx, 50)
	time.Sleep(5 * time.Second)
	e.restartDaemons("kube-apiserver")
	time.Sleep(10 * time.Second)
	e.restartDaemons("etcd", "kube-apiserver")
	t0 := time.Now()
	e.waitRuns(ctx, 50, 15*time.Minute)
	v := e.check(ctx, names)
	record("50 PipelineRuns while kube-apiserver is SIGKILLed and restarted, then etcd and kube-apiserver",
		outcome(v.ok(50)), fmt.Sprintf("%s; done %s after the second restart", v, time.Since(t0).Round(time.Second)))
	if !v.ok(50) {
		t.Errorf("%s", v)
	}
}

// restartDaemons SIGKILLs the local cluster's daemons and brings them back
// with hack/cluster/up.sh, which starts whatever is not running.
func (e *env) restartDaemons(names ...string) {
	e.t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(*state, "run", n+".pid"))
		if err != nil {
			e.t.Fatalf("%s: %v", n, err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			e.t.Fatalf("killing %s: %v", n, err)
		}
	}
	time.Sleep(time.Second)
	cmd := exec.Command("bash", filepath.Join(*root, "hack", "cluster", "up.sh"))
	cmd.Env = append(os.Environ(), "SLIPWAY_STATE="+*state)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("restarting %v: %v\n%s", names, err, out)
	}
}
