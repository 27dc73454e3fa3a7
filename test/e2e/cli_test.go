//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/cli"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// slipway runs the CLI in-process against the test namespace and returns
// its output and exit code.
func (e *env) slipway(args ...string) (string, int) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"--kubeconfig", os.Getenv("KUBECONFIG"), "-n", e.ns}, args...)
	code := cli.Main(all, strings.NewReader(""), &out, &errOut)
	if errOut.Len() > 0 {
		e.t.Logf("slipway %s: %s", strings.Join(args, " "), errOut.String())
	}
	return out.String(), code
}

// deletePods deletes the pods of the TaskRuns matching sel and waits for
// them to be gone (their finalizer waits for the log archive).
func (e *env) deletePods(sel map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	err := e.c.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(e.ns), client.MatchingLabels(sel))
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitFor("the pods to be gone", time.Minute, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		err := e.c.List(ctx, &pods, client.InNamespace(e.ns), client.MatchingLabels(sel))
		return err == nil && len(pods.Items) == 0, err
	})
}

// helloPipeline makes a word in one task and prints it in the next.
const helloPipeline = `
metadata: {name: hello}
spec:
  params: [{name: who, default: world}]
  tasks:
  - name: make
    taskSpec:
      results: [{name: word}]
      steps:
      - name: say
        image: busybox
        script: |
          echo "making a word for $(params.who)"
          printf hi > $(results.word.path)
      - name: more
        image: busybox
        script: |
          for i in 1 2 3; do echo "line $i"; done
  - name: use
    params: [{name: word, value: $(tasks.make.results.word)}]
    taskSpec:
      params: [{name: word}]
      steps:
      - name: print
        image: busybox
        script: echo "got $(params.word)"
`

// startHello applies helloPipeline, starts it with the CLI for who and
// follows its logs to the end; it returns the run's name and what was
// followed, checked to be every step's lines in order and the outcome.
func (e *env) startHello(who string) (name, live string) {
	e.t.Helper()
	e.apply(helloPipeline, &pipelinev1.Pipeline{})
	out, code := e.slipway("start", "pipeline", "hello", "-p", "who="+who, "--showlog", "-o", "name")
	if code != cli.ExitOK {
		e.t.Fatalf("start --showlog exit %d:\n%s", code, out)
	}
	name, live, _ = strings.Cut(out, "\n")
	name = strings.TrimPrefix(name, "pipelinerun.tekton.dev/")
	want := "[make:say] making a word for " + who + "\n[make:more] line 1\n[make:more] line 2\n[make:more] line 3\n[use:print] got hi\n"
	if !strings.HasPrefix(live, want) || !strings.Contains(live, "PipelineRun "+name+" Succeeded") {
		e.t.Fatalf("live logs:\n%s\nwant them to start with:\n%s", live, want)
	}
	return name, live
}

// TestCLIPipelineLogsOutliveThePods: a pipeline started with the CLI,
// followed to its end; the same logs, byte for byte, once its pods are
// deleted (read from the archive).
func TestCLIPipelineLogsOutliveThePods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	name, live := e.startHello("e2e")
	before, code := e.slipway("logs", name)
	if code != cli.ExitOK || before != live {
		t.Fatalf("logs of the finished run (exit %d):\n%s\nwant what was followed:\n%s", code, before, live)
	}
	e.deletePods(map[string]string{resources.LabelPipelineRun: name})
	after, code := e.slipway("logs", name)
	if code != cli.ExitOK || after != before {
		t.Fatalf("logs after the pods were deleted (exit %d):\n%s\nwant:\n%s", code, after, before)
	}
	desc, _ := e.slipway("describe", name)
	for _, w := range []string{"make  Succeeded", "use  Succeeded", "result word = hi", "say"} {
		if !strings.Contains(desc, w) {
			t.Errorf("describe lacks %q:\n%s", w, desc)
		}
	}
}

// TestCLIStoppedRunsKeepTheirLogs: a cancelled and a timed-out TaskRun
// keep what their steps printed, after their pods are deleted.
func TestCLIStoppedRunsKeepTheirLogs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, timeout string
		cancel        bool
		reason        string
	}{
		{"cancelled", "10m", true, "TaskRunCancelled"},
		{"timedout", "8s", false, "TaskRunTimeout"},
	}
	e := newEnv(t)
	for _, tc := range cases {
		e.apply(`
metadata: {name: `+tc.name+`}
spec:
  timeout: `+tc.timeout+`
  taskSpec:
    steps:
    - name: work
      image: busybox
      script: |
        echo "started work"
        sleep 300
`, &pipelinev1.TaskRun{})
	}
	for _, tc := range cases {
		pod := e.runningPod(tc.name)
		e.waitFor("the step's first line", time.Minute, func(ctx context.Context) (bool, error) {
			return strings.Contains(e.logs(pod.Name, "step-work"), "started work"), nil
		})
		if tc.cancel {
			if out, code := e.slipway("cancel", "tr/"+tc.name); code != cli.ExitOK {
				t.Fatalf("cancel: exit %d: %s", code, out)
			}
		}
	}
	for _, tc := range cases {
		got := e.waitTaskRunDone(tc.name, 2*time.Minute)
		wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, tc.reason)
		e.deletePods(map[string]string{resources.LabelTaskRunUID: string(got.UID)})
		out, code := e.slipway("logs", "tr/"+tc.name)
		if code != cli.ExitRunFailed || !strings.HasPrefix(out, "[work] started work\n") {
			t.Errorf("%s: logs after the pod was deleted (exit %d):\n%s", tc.name, code, out)
		}
	}
}

// TestLogArchive100MiB: a step that prints 100 MiB; its log is archived
// whole and reads back identical. The figures go to docs/performance.md.
func TestLogArchive100MiB(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const size = 100 << 20
	e.apply(`
metadata: {name: big}
spec:
  taskSpec:
    steps:
    - name: print
      image: busybox
      script: |
        yes "slipway log archive line, seventy bytes long, for the 100 MiB test" | head -c 104857600
`, &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("big", 5*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	done := got.Status.CompletionTime.Time
	la := resources.LogArchiveOf(got.Status.Annotations)
	if la == nil {
		t.Fatalf("no log archive in the status: %v", got.Status.Annotations)
	}
	store := &logs.OCI{}
	loc := logs.Location{Repository: la.Repository, Tag: got.Status.PodName}
	e.waitFor("the archived log", 3*time.Minute, func(ctx context.Context) (bool, error) {
		x, err := store.List(ctx, loc)
		_, ok := x.Find("step-print")
		return err == nil && ok, nil
	})
	archived := time.Since(done)
	start := time.Now()
	rc, err := logs.Read(context.Background(), store, loc, la.Key, "step-print")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	want := sha256.New()
	line := []byte("slipway log archive line, seventy bytes long, for the 100 MiB test\n")
	for w := 0; w < size; w += len(line) {
		want.Write(line[:min(len(line), size-w)])
	}
	if n != size || !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back %d bytes (sha256 %x), want %d (sha256 %x)", n, h.Sum(nil), size, want.Sum(nil))
	}
	t.Logf("100 MiB log: archived %.2fs after the TaskRun completed (status time, second precision), read back in %.2fs",
		archived.Seconds(), read.Seconds())
	_ = metav1.Now
}

// wantCLILogs checks that slipway logs RUN prints each of want, in order.
func (e *env) wantCLILogs(run string, want ...string) {
	e.t.Helper()
	out, code := e.slipway("logs", run)
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			e.t.Errorf("slipway logs %s (exit %d) lacks %q after what came before:\n%s", run, code, w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

// TestCLILogsOutliveTheirRun: with a logs policy of their own
// (slipway.dev/prune-logs-ttl), a PipelineRun's logs stay readable with
// the CLI after the run is deleted, line for line; once they expire, the
// archive and its LogArchives are deleted.
func TestCLILogsOutliveTheirRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata:
  name: kept
  annotations: {slipway.dev/prune-logs-ttl: 1h}
spec:
  pipelineSpec:
    tasks:
    - name: first
      taskSpec:
        steps:
        - {name: one, image: busybox, script: 'echo one; echo two'}
        - {name: two, image: busybox, script: 'echo three'}
    - name: second
      runAfter: [first]
      taskSpec:
        steps:
        - {name: three, image: busybox, script: 'echo four'}
`, &pipelinev1.PipelineRun{})
	e.waitPipelineRunDone("kept", 2*time.Minute)
	live, code := e.slipway("logs", "kept")
	want := "[first:one] one\n[first:one] two\n[first:two] three\n[second:three] four\n"
	if code != cli.ExitOK || !strings.HasPrefix(live, want) {
		t.Fatalf("logs of the finished run (exit %d):\n%s\nwant them to start with:\n%s", code, live, want)
	}
	var kept slipwayv1alpha1.LogArchiveList
	sel := client.MatchingLabels{resources.LabelPipelineRun: "kept"}
	e.waitFor("a LogArchive per TaskRun", time.Minute, func(ctx context.Context) (bool, error) {
		err := e.c.List(ctx, &kept, client.InNamespace(e.ns), sel)
		return err == nil && len(kept.Items) == 2, err
	})
	foreground := metav1.DeletePropagationForeground
	if err := e.c.Delete(context.Background(), &pipelinev1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: e.ns}},
		&client.DeleteOptions{PropagationPolicy: &foreground}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the run, its TaskRuns and pods to be gone", 2*time.Minute, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		var trs pipelinev1.TaskRunList
		var prs pipelinev1.PipelineRunList
		err := errors.Join(e.c.List(ctx, &pods, client.InNamespace(e.ns)), e.c.List(ctx, &trs, client.InNamespace(e.ns)),
			e.c.List(ctx, &prs, client.InNamespace(e.ns)))
		return err == nil && len(pods.Items)+len(trs.Items)+len(prs.Items) == 0, err
	})
	after, code := e.slipway("logs", "kept")
	if code != cli.ExitOK || !strings.HasPrefix(after, want) || !strings.Contains(after, "PipelineRun kept was deleted; its logs are kept until ") {
		t.Fatalf("logs after the run was deleted (exit %d):\n%s\nwant:\n%s", code, after, want)
	}
	for i := range kept.Items {
		a := &kept.Items[i]
		patch := client.MergeFrom(a.DeepCopy())
		a.Annotations[slipwayv1alpha1.AnnotationExpires] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
		if err := e.c.Patch(context.Background(), a, patch); err != nil {
			t.Fatal(err)
		}
	}
	e.waitFor("the expired LogArchives to go", time.Minute, func(ctx context.Context) (bool, error) {
		var left slipwayv1alpha1.LogArchiveList
		err := e.c.List(ctx, &left, client.InNamespace(e.ns), sel)
		return err == nil && len(left.Items) == 0, err
	})
	for _, a := range kept.Items {
		_, err := (&logs.OCI{}).List(context.Background(), logs.Location{Repository: a.Spec.Repository, Tag: a.Spec.Tag})
		if !errors.Is(err, logs.ErrNotFound) {
			t.Errorf("archive %s:%s after it expired: %v, want it deleted", a.Spec.Repository, a.Spec.Tag, err)
		}
	}
	if out, code := e.slipway("logs", "kept"); code != cli.ExitError {
		t.Errorf("logs after they expired: exit %d, want %d:\n%s", code, cli.ExitError, out)
	}
}
