package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	controllerNamespace  = "slipway"
	controllerDeployment = "slipway-controller"
)

// controllerContainerID returns the containerd ID of the leading
// controller replica (the Lease holder), the one doing the work.
func controllerContainerID(ctx context.Context, cl *cluster) (string, error) {
	var pods corev1.PodList
	if err := cl.c.List(ctx, &pods, client.InNamespace(controllerNamespace)); err != nil {
		return "", err
	}
	leaderName := ""
	var lease coordinationv1.Lease
	if cl.c.Get(ctx, types.NamespacedName{Namespace: controllerNamespace, Name: controllerDeployment}, &lease) == nil && lease.Spec.HolderIdentity != nil {
		leaderName = *lease.Spec.HolderIdentity
	}
	for _, p := range pods.Items {
		if !strings.HasPrefix(p.Name, controllerDeployment) || p.Status.Phase != corev1.PodRunning {
			continue
		}
		if leaderName != "" && p.Name != leaderName {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.ContainerID != "" {
				_, id, _ := strings.Cut(cs.ContainerID, "://")
				return id, nil
			}
		}
	}
	return "", fmt.Errorf("no running %s pod in namespace %s", controllerDeployment, controllerNamespace)
}

// controllerProc finds the controller's process on this node through its
// cgroup (the bench runs on the node) and returns its /proc directory:
// the process of the container with more than 1 MiB resident (the
// controller, not a pause-like shim).
func controllerProc(ctx context.Context, cl *cluster) (string, error) {
	id, err := controllerContainerID(ctx, cl)
	if err != nil {
		return "", err
	}
	cgs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	for _, f := range cgs {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), id) {
			continue
		}
		if rss, err := procRSS(filepath.Dir(f)); err == nil && rss > 1<<20 {
			return filepath.Dir(f), nil
		}
	}
	return "", fmt.Errorf("no process of container %s found under /proc", id)
}

// controllerRSS is the controller process's resident set in bytes.
func controllerRSS(ctx context.Context, cl *cluster) (int64, error) {
	dir, err := controllerProc(ctx, cl)
	if err != nil {
		return 0, err
	}
	return procRSS(dir)
}

// procRSS reads VmRSS from a /proc/<pid> directory.
func procRSS(dir string) (int64, error) {
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in %s/status", dir)
}

// controllerArgs returns the controller's command-line settings (API rates, workers).
func controllerArgs(ctx context.Context, cl *cluster) string {
	var d appsv1.Deployment
	if err := cl.c.Get(ctx, types.NamespacedName{Namespace: controllerNamespace, Name: controllerDeployment}, &d); err != nil {
		return "unknown: " + err.Error()
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return "unknown"
	}
	args := d.Spec.Template.Spec.Containers[0].Args
	if len(args) == 0 {
		return "defaults (no args)"
	}
	return strings.Join(args, " ")
}

// procCPU is a /proc/<pid> process's user+system CPU time in seconds
// (/proc/<pid>/stat, clock ticks of 1/100 s).
func procCPU(dir string) (float64, error) {
	b, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return 0, err
	}
	// Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("unexpected %s/stat: %q", dir, b)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing %s/stat: %q", dir, b)
	}
	return (utime + stime) / 100, nil
}

// cpuWatched are the node's processes whose CPU a scenario reports: where
// a burst's time goes ("controller" is every Slipway replica).
var cpuWatched = []string{"kube-apiserver", "etcd", "controller", "kube-scheduler", "kubelet"}

// cpuTimes is the CPU seconds of the cpuWatched processes by name
// (/proc/*/comm), and under "idle" the node's idle seconds (/proc/stat).
func cpuTimes() map[string]float64 {
	out := map[string]float64{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil || !slices.Contains(cpuWatched, strings.TrimSpace(string(comm))) {
			continue
		}
		if s, err := procCPU(d); err == nil {
			out[strings.TrimSpace(string(comm))] += s
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) > 4 {
			idle, _ := strconv.ParseFloat(f[4], 64)
			out["idle"] = idle / 100
		}
	}
	return out
}

// cpuSpent says what each watched process spent between two cpuTimes.
func cpuSpent(before, after map[string]float64) string {
	var parts []string
	for _, name := range append(cpuWatched, "idle") {
		parts = append(parts, fmt.Sprintf("%s %.1f s", name, after[name]-before[name]))
	}
	return strings.Join(parts, ", ")
}
