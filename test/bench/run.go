package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type options struct {
	runs, throughputRuns, completed int
	only, out                       string
}

func (o options) want(s string) bool {
	if o.only == "" {
		return true
	}
	for _, x := range strings.Split(o.only, ",") {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func run(ctx context.Context, o options) error {
	cl, err := newCluster(ctx, benchNamespacePrefix)
	if err != nil {
		return err
	}
	defer cl.deleteNamespace(context.Background())
	r := &report{started: time.Now()}
	steps := []struct {
		name string
		fn   func(context.Context, *cluster, options, *report) error
		// cordon keeps pods Pending so that only the controller is
		// measured; the node stays cordoned until the cleanup is over.
		cordon bool
	}{
		{"handoff", benchHandoff, false},
		{"latency", benchLatency, false},
		{"steps", benchSteps, false},
		{"sleep", benchSleep, false},
		{"throughput", benchThroughput, true},
		{"dag", benchDAG, true},
		{"chain", benchChain, false},
		{"chain60", benchChain60, false},
		{"memory", benchMemory, false},
	}
	for _, s := range steps {
		if !o.want(s.name) {
			continue
		}
		fmt.Printf("== %s\n", s.name)
		if err := cl.runScenario(ctx, s.cordon, func() error { return s.fn(ctx, cl, o, r) }); err != nil {
			r.note(fmt.Sprintf("%s: FAILED: %v", s.name, err))
			fmt.Fprintf(os.Stderr, "%s failed: %v\n", s.name, err)
		}
	}
	r.machine(ctx, cl)
	fmt.Println(r.table())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(r.markdown()+keptNotes(o.out)), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", o.out, err)
		}
		fmt.Println("wrote", o.out)
	}
	return nil
}

// interleaved runs a raw pod of n containers and a TaskRun of n steps, one
// after the other, runs times, so that drift in the node's state (and the
// kubelet's 1 s relist, which makes these figures move in steps) hits both
// alike. It appends to raw and tr.
func (cl *cluster) interleaved(ctx context.Context, runs, n int, raw, tr *series) error {
	for i := range runs {
		p, err := cl.podSeries(ctx, 1, fmt.Sprintf("raw pod %d containers %d", n, i), n, false, "true")
		if err != nil {
			return err
		}
		t, err := cl.taskRunSeries(ctx, 1, fmt.Sprintf("taskrun %d steps %d", n, i), n, "true")
		if err != nil {
			return err
		}
		raw.d = append(raw.d, p.d...)
		tr.d = append(tr.d, t.d...)
	}
	return nil
}

func benchLatency(ctx context.Context, cl *cluster, o options, r *report) error {
	return cl.interleaved(ctx, o.runs, 1, &r.rawPod, &r.oneStep)
}

func benchSteps(ctx context.Context, cl *cluster, o options, r *report) error {
	if err := cl.interleaved(ctx, o.runs, 20, &r.raw20, &r.steps20); err != nil {
		return err
	}
	// What every container pulling costs (the kubelet's registryPullQPS);
	// a few runs suffice to show it.
	var err error
	if r.raw20Pulls, err = cl.podSeries(ctx, min(o.runs, 3), "raw pod 20 pulls", 20, true, "true"); err != nil {
		return err
	}
	if len(r.rawPod.d) == 0 {
		r.rawPod, err = cl.podSeries(ctx, o.runs, "raw pod", 1, false, "true")
	}
	return err
}

func benchSleep(ctx context.Context, cl *cluster, o options, r *report) error {
	var err error
	r.sleep20, err = cl.taskRunSeries(ctx, o.runs, "taskrun 20x sleep 0.2", 20, "sleep", "0.2")
	return err
}

func benchThroughput(ctx context.Context, cl *cluster, o options, r *report) error {
	n := o.throughputRuns
	// The floor: the same number of raw pods created by the bench itself,
	// which is what the API server, etcd and the scheduler cost with no
	// controller in between.
	pods := make([]client.Object, n)
	for i := range pods {
		pods[i] = rawPod(fmt.Sprintf("tp-raw-%d", i), 1, false, "true")
	}
	floor, _, err := cl.timeUntilPods(ctx, pods)
	if err != nil {
		return fmt.Errorf("raw pods: %w", err)
	}
	fmt.Printf("  %d raw pods exist after %v\n", n, floor)
	if err := cl.cleanup(ctx); err != nil {
		return err
	}
	fmt.Printf("  creating %d TaskRuns\n", n)
	trs := make([]client.Object, n)
	for i := range trs {
		trs[i] = taskRun(fmt.Sprintf("tp-%d", i), 1, "true")
	}
	cpu := cpuTimes()
	all, created, err := cl.timeUntilPods(ctx, trs)
	if err != nil {
		return fmt.Errorf("TaskRuns: %w", err)
	}
	r.tpCPU = cpuSpent(cpu, cpuTimes())
	fmt.Printf("  CPU while the TaskRuns became pods: %s\n", r.tpCPU)
	r.tpN, r.tpAll, r.tpCreate, r.tpRawPods = n, all, created, floor
	r.tpSettings = controllerArgs(ctx, cl)
	fmt.Printf("  %d TaskRuns created in %v, all pods exist after %v\n", n, created, all)
	return nil
}

// timeUntilPods creates objs at once and returns the time until as many
// pods exist in the namespace, and the time the creates took.
func (cl *cluster) timeUntilPods(ctx context.Context, objs []client.Object) (all, created time.Duration, err error) {
	done, err := cl.countUntil(ctx, &corev1.PodList{}, len(objs), 10*time.Minute)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := cl.createAll(ctx, objs); err != nil {
		return 0, 0, err
	}
	created = time.Since(start)
	if err := <-done; err != nil {
		return 0, 0, fmt.Errorf("waiting for pods: %w", err)
	}
	return time.Since(start), created, nil
}

func benchMemory(ctx context.Context, cl *cluster, o options, r *report) error {
	before, err := controllerRSS(ctx, cl)
	if err != nil {
		return err
	}
	objs := make([]client.Object, o.completed)
	for i := range objs {
		tr := taskRun(fmt.Sprintf("done-%d", i), 1, "true")
		// cancelled before it starts: completed by the controller, no pod
		tr.Spec.Status = pipelinev1.TaskRunSpecStatusCancelled
		objs[i] = tr
	}
	if err := cl.createAll(ctx, objs); err != nil {
		return err
	}
	if err := cl.waitAllDone(ctx, len(objs), 15*time.Minute); err != nil {
		return err
	}
	time.Sleep(5 * time.Second)
	after, err := controllerRSS(ctx, cl)
	if err != nil {
		return err
	}
	r.rssBefore, r.rssAfter, r.rssN = before, after, len(objs)
	fmt.Printf("  controller RSS %d MiB before, %d MiB with %d completed TaskRuns\n", before>>20, after>>20, len(objs))
	return nil
}

var nsPerOp = regexp.MustCompile(`BenchmarkHandoff\S*\s+\d+\s+([\d.]+) ns/op`)

func benchHandoff(ctx context.Context, _ *cluster, _ options, r *report) error {
	out, err := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "Handoff", "-benchtime", "200x", "./pkg/entrypoint/").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench: %w\n%s", err, out)
	}
	fmt.Print(string(out))
	for _, m := range nsPerOp.FindAllStringSubmatch(string(out), -1) {
		var ns float64
		fmt.Sscan(m[1], &ns)
		r.handoff = append(r.handoff, fmt.Sprintf("%s: %.3f ms", strings.Fields(m[0])[0], ns/1e6))
	}
	return nil
}

// notesHeading starts the hand-written analysis in the report, which a new
// run keeps: figures are regenerated, the reasoning about them is not.
const notesHeading = "\n## Notes: "

// keptNotes returns the analysis section of the existing report, if any.
func keptNotes(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.Index(s, notesHeading)
	if i < 0 {
		return ""
	}
	return s[i:]
}
