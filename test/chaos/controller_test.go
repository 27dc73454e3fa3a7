//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	controllerNS    = "slipway"
	controllerLease = "slipway-controller"
	controllerLabel = "app.kubernetes.io/name=slipway-controller"
)

// lease returns the leader Lease's holder and renew time.
func (e *env) lease(ctx context.Context) (string, time.Time) {
	var l coordinationv1.Lease
	if err := e.c.Get(ctx, client.ObjectKey{Namespace: controllerNS, Name: controllerLease}, &l); err != nil {
		return "", time.Time{}
	}
	holder, renewed := "", time.Time{}
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	if l.Spec.RenewTime != nil {
		renewed = l.Spec.RenewTime.Time
	}
	return holder, renewed
}

// controllerPods lists the controller's pods by name.
func (e *env) controllerPods(ctx context.Context) map[string]*corev1.Pod {
	var pods corev1.PodList
	out := map[string]*corev1.Pod{}
	if err := e.c.List(ctx, &pods, client.InNamespace(controllerNS), client.MatchingLabels{"app.kubernetes.io/name": "slipway-controller"}); err != nil {
		return out
	}
	for i := range pods.Items {
		out[pods.Items[i].Name] = &pods.Items[i]
	}
	return out
}

// restarts is the sum of the controller containers' restart counts.
func (e *env) restarts(ctx context.Context) int {
	n := 0
	for _, p := range e.controllerPods(ctx) {
		for _, cs := range p.Status.ContainerStatuses {
			n += int(cs.RestartCount)
		}
	}
	return n
}

// killLeaderPod force-deletes the leader's pod (grace 0) and returns how
// long until another live pod holds the lease.
func (e *env) killLeaderPod(ctx context.Context) (time.Duration, error) {
	old, _ := e.lease(ctx)
	pod := e.controllerPods(ctx)[old]
	if pod == nil {
		return 0, fmt.Errorf("leader %q has no pod", old)
	}
	t0 := time.Now()
	if err := e.c.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil {
		return 0, err
	}
	return e.waitLeader(ctx, t0, func(holder string, _ time.Time) bool {
		p := e.controllerPods(ctx)[holder]
		return holder != "" && holder != old && p != nil && p.DeletionTimestamp == nil
	})
}

// killLeaderInPlace SIGKILLs the leader's process without touching its pod
// (a crash: the kubelet restarts the container) and returns how long until
// the lease is renewed again, by anyone.
func (e *env) killLeaderInPlace(ctx context.Context) (time.Duration, error) {
	old, _ := e.lease(ctx)
	pod := e.controllerPods(ctx)[old]
	if pod == nil || len(pod.Status.ContainerStatuses) == 0 {
		return 0, fmt.Errorf("leader %q has no running container", old)
	}
	_, id, _ := strings.Cut(pod.Status.ContainerStatuses[0].ContainerID, "://")
	pid, err := processOf(id)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return 0, err
	}
	return e.waitLeader(ctx, t0, func(holder string, renewed time.Time) bool {
		return holder != "" && renewed.After(t0)
	})
}

func (e *env) waitLeader(ctx context.Context, t0 time.Time, ok func(string, time.Time) bool) (time.Duration, error) {
	for time.Since(t0) < time.Minute {
		if holder, renewed := e.lease(ctx); ok(holder, renewed) {
			return time.Since(t0), nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("no leader a minute after the kill")
}

// processOf finds the main process of a container on this node through its
// cgroup (the suite runs on the node, as root).
func processOf(containerID string) (int, error) {
	cgs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	best, bestRSS := 0, int64(0)
	for _, f := range cgs {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), containerID) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if rss := vmRSS(filepath.Join(filepath.Dir(f), "status")); rss > bestRSS {
			best, bestRSS = pid, rss
		}
	}
	if best == 0 {
		return 0, fmt.Errorf("no process of container %s", containerID)
	}
	return best, nil
}

func vmRSS(statusFile string) int64 {
	b, _ := os.ReadFile(statusFile)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
