package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/clientcmd"
)

// report collects every figure of one bench run.
type report struct {
	started                 time.Time
	machineInfo             []string
	rawPod, oneStep         series
	raw20, steps20, sleep20 series
	raw20Pulls              series
	tpN                     int
	tpCreate, tpAll         time.Duration
	tpRawPods               time.Duration
	tpCPU                   string // CPU seconds by process during the TaskRun burst
	tpSettings              string
	dags                    []dagRow
	chain60                 *chain60Row
	rssBefore, rssAfter     int64
	rssN                    int
	handoff, notes          []string
	chains                  []chainRow
}

func (r *report) note(s string) { r.notes = append(r.notes, s) }

func (r *report) machine(ctx context.Context, cl *cluster) {
	cpu := "unknown cpu"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		mem = strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1] + " kB"
	}
	kver := "unknown"
	if cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG")); err == nil {
		if dc, err := discovery.NewDiscoveryClientForConfig(cfg); err == nil {
			if v, err := dc.ServerVersion(); err == nil {
				kver = v.GitVersion
			}
		}
	}
	r.machineInfo = []string{
		fmt.Sprintf("%d cores (%s), %s memory", runtime.NumCPU(), cpu, mem),
		fmt.Sprintf("Kubernetes %s (single node, containerd, runc), bench built with %s", kver, runtime.Version()),
		fmt.Sprintf("measured %s", r.started.UTC().Format("2006-01-02 15:04 MST")),
	}
}

// rows returns the report's table: scenario, Slipway, floor, verdict.
func (r *report) rows() [][4]string {
	var rows [][4]string
	if len(r.oneStep.d) > 0 {
		over := r.oneStep.median() - r.rawPod.median()
		rows = append(rows, [4]string{"1-step TaskRun create→Succeeded (min / median / max)", r.oneStep.String(),
			"raw Pod: " + r.rawPod.String(),
			verdict(over <= 300*time.Millisecond, fmt.Sprintf("median overhead %+.3f s (target ≤ +0.300 s)", over.Seconds()))})
	}
	if len(r.steps20.d) > 0 {
		per := (r.steps20.median() - r.raw20.median()) / 20
		rows = append(rows, [4]string{"20-step no-op TaskRun", r.steps20.String(),
			"raw Pod, 20 containers, image pulled once: " + r.raw20.String() + "; every container pulling: " + r.raw20Pulls.String() +
				"; 1 container: " + r.rawPod.String(),
			verdict(per <= 20*time.Millisecond, fmt.Sprintf("per-step overhead %.1f ms (target ≤ 20 ms)", float64(per)/1e6))})
	}
	if len(r.sleep20.d) > 0 {
		floor := r.rawPod.median() + 4*time.Second
		rows = append(rows, [4]string{"20 steps × sleep 0.2", r.sleep20.String(),
			fmt.Sprintf("raw Pod + 4 s = %s", secs(floor)),
			verdict(r.sleep20.median() <= 7*time.Second, fmt.Sprintf("median %s (target ≤ 7 s)", secs(r.sleep20.median())))})
	}
	if r.tpN > 0 {
		rate := float64(r.tpN) / r.tpAll.Seconds()
		rows = append(rows, [4]string{fmt.Sprintf("%d TaskRuns at once → all Pods exist (node cordoned)", r.tpN),
			fmt.Sprintf("%s (%.0f pods/s; creates took %s; CPU: %s)", secs(r.tpAll), rate, secs(r.tpCreate), r.tpCPU),
			fmt.Sprintf("%d raw Pods created by the bench: %s (%.0f pods/s); controller: %s", r.tpN, secs(r.tpRawPods),
				float64(r.tpN)/r.tpRawPods.Seconds(), r.tpSettings),
			verdict(r.tpAll <= r.tpRawPods*10/6, fmt.Sprintf("%.2f× the raw rate (target ≥ 0.6×)", r.tpRawPods.Seconds()/r.tpAll.Seconds()))})
	}
	rows = append(rows, r.bigPipelineRows()...)
	if r.rssN > 0 {
		rows = append(rows, [4]string{fmt.Sprintf("controller RSS with %d completed TaskRuns", r.rssN),
			fmt.Sprintf("%d MiB", r.rssAfter>>20), fmt.Sprintf("idle before: %d MiB", r.rssBefore>>20),
			verdict(r.rssAfter <= 100<<20, "target ≤ 100 MiB")})
	}
	rows = append(rows, r.chainRows()...)
	for _, h := range r.handoff {
		rows = append(rows, [4]string{"entrypoint handoff (go test -bench)", h, "", "target ≤ 20 ms"})
	}
	return rows
}

func verdict(ok bool, s string) string {
	if ok {
		return "met: " + s
	}
	return "MISSED: " + s
}

func (r *report) table() string {
	var b strings.Builder
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "%-58s | %-40s | %s | %s\n", row[0], row[1], row[2], row[3])
	}
	for _, n := range r.notes {
		fmt.Fprintln(&b, "note:", n)
	}
	return b.String()
}

func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("# Performance\n\nWritten by `make bench` (test/bench). Every latency row is create → Succeeded, " +
		"observed through a watch, over the number of runs given; a raw Pod running the same container on the same " +
		"node is the floor.\n\n## Machine\n")
	for _, m := range r.machineInfo {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	b.WriteString("\n## Results\n\n| scenario | Slipway | floor | verdict |\n|---|---|---|---|\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3])
	}
	if len(r.notes) > 0 {
		b.WriteString("\n## Notes from this run\n")
		for _, n := range r.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString("\nReference figures for Tekton v1.15 on the same kind of machine: ≈ 5.0 s for a one-step TaskRun, " +
		"≈ 1 s per step once steps take time (its entrypoint polls), ≈ 5 Pods/s created by its controller.\n")
	return b.String()
}
