package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/slipway-ci/slipway/pkg/resources"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

func at(sec float64) *metav1.Time {
	return &metav1.Time{Time: t0.Add(time.Duration(sec * float64(time.Second)))}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func cond(status corev1.ConditionStatus, reason, msg string) duckv1.Status {
	return duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: msg}}}
}

func step(name string, exit int32, from, to float64) v1.StepState {
	return v1.StepState{Name: name, Container: "step-" + name, ContainerState: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, StartedAt: *at(from), FinishedAt: *at(to)}}}
}

// fixture is a PipelineRun of three tasks: clone and build ran, deploy
// was skipped.
func fixture() (*v1.PipelineRun, []client.Object) {
	pr := &v1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "ship-x1", Namespace: "dev", UID: "pr-uid", CreationTimestamp: metav1.Time{Time: t0}},
		Spec:       v1.PipelineRunSpec{PipelineRef: &v1.PipelineRef{Name: "ship"}},
		Status: v1.PipelineRunStatus{
			Status: cond(corev1.ConditionFalse, "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"),
			PipelineRunStatusFields: v1.PipelineRunStatusFields{
				StartTime: at(0), CompletionTime: at(9.5),
				SkippedTasks: []v1.SkippedTask{{Name: "deploy", Reason: v1.ParentTasksSkip}},
				Results:      []v1.PipelineRunResult{{Name: "commit", Value: *v1.NewStructuredValues("abc123")}},
			},
		},
	}
	owner := []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: pr.Name, UID: pr.UID, Controller: ptrTrue()}}
	tr := func(task string, start float64, st duckv1.Status, steps ...v1.StepState) *v1.TaskRun {
		return &v1.TaskRun{
			ObjectMeta: metav1.ObjectMeta{Name: "ship-x1-" + task, Namespace: "dev", OwnerReferences: owner,
				Labels: map[string]string{resources.LabelPipelineRun: pr.Name, "tekton.dev/pipelineTask": task}},
			Status: v1.TaskRunStatus{Status: st, TaskRunStatusFields: v1.TaskRunStatusFields{
				PodName: "ship-x1-" + task + "-pod", StartTime: at(start), CompletionTime: at(start + 4), Steps: steps,
				Results: []v1.TaskRunResult{{Name: "commit", Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues("abc123")}},
			}},
		}
	}
	clone := tr("clone", 0.2, cond(corev1.ConditionTrue, "Succeeded", "All Steps have completed executing"),
		step("fetch", 0, 1, 2.25), step("checkout", 0, 2.25, 2.4))
	build := tr("build", 4.5, cond(corev1.ConditionFalse, "Failed", `"step-compile" exited with code 2`),
		step("compile", 2, 5, 8), v1.StepState{Name: "push", Container: "step-push", ContainerState: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: *at(8), FinishedAt: *at(8)}}})
	build.Status.Results = nil
	// build failed once before: its first attempt's pod printed one line.
	build.Status.RetriesStatus = []v1.TaskRunStatus{{TaskRunStatusFields: v1.TaskRunStatusFields{
		PodName: "ship-x1-build-pod", Steps: []v1.StepState{step("compile", 1, 4.6, 4.8)}}}}
	build.Status.PodName = "ship-x1-build-pod-retry1"
	return pr, []client.Object{pr, clone, build}
}

func ptrTrue() *bool { b := true; return &b }

func testEnv(t *testing.T, objs ...client.Object) (*env, *bytes.Buffer) {
	t.Helper()
	out := &bytes.Buffer{}
	e := newEnv(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: io.Discard})
	c := fake.NewClientBuilder().WithScheme(e.scheme).WithObjects(objs...).WithStatusSubresource(objs...).Build()
	e.newClients = func() (client.Client, kubernetes.Interface, error) { return c, kubefake.NewClientset(), nil }
	ns := "dev"
	e.flags.Namespace = &ns
	return e, out
}

func TestDescribe(t *testing.T) {
	pr, objs := fixture()
	e, _ := testEnv(t, objs...)
	c, _, _ := e.clients()
	trs, err := children(context.Background(), c, pr)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		t    target
		trs  []v1.TaskRun
	}{
		{"describe-pipelinerun.golden", target{pr: pr}, trs},
		{"describe-taskrun.golden", target{tr: &trs[0]}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			describe(&b, tc.t, tc.trs, t0.Add(time.Minute))
			golden(t, tc.name, b.String())
		})
	}
}

func TestLogs(t *testing.T) {
	_, objs := fixture()
	logsOf := map[string]string{
		"ship-x1-clone/fetch":               "Cloning into '/workspace'...\ndone.\n",
		"ship-x1-clone/checkout":            "HEAD is now at abc123", // no final newline
		"ship-x1-build/compile":             "main.go:3: undefined: x\n",
		"ship-x1-build/compile (attempt 1)": "network unreachable\n",
	}
	cases := []struct {
		name, run string
		exit      int
	}{
		{"logs-pipelinerun.golden", "ship-x1", ExitRunFailed},
		{"logs-taskrun.golden", "tr/ship-x1-clone", ExitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out := testEnv(t, objs...)
			e.openLog = func(_ context.Context, tr *v1.TaskRun, s v1.StepState) (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader(logsOf[tr.Name+"/"+s.Name])), nil
			}
			root := e.root()
			root.SetArgs([]string{"logs", tc.run})
			err := root.Execute()
			if code := exitCode(err); code != tc.exit {
				t.Errorf("exit code %d (%v), want %d", code, err, tc.exit)
			}
			golden(t, tc.name, out.String())
		})
	}
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case err == errRunFailed:
		return ExitRunFailed
	}
	return ExitError
}

func TestProgressLines(t *testing.T) {
	got := progressLines(map[string]*taskProgress{
		"test":  {step: 1, steps: 2, name: "unit", since: t0},
		"build": {step: 2, steps: 3, name: "compile", since: t0.Add(-12300 * time.Millisecond)},
	}, t0.Add(time.Second))
	golden(t, "progress.golden", strings.Join(got, "\n")+"\n")
}

func TestPrinterOnATerminal(t *testing.T) {
	var b bytes.Buffer
	p := newPrinter(&b, true)
	p.now = func() time.Time { return t0.Add(2 * time.Second) }
	p.setProgress("build", 1, 2, "compile", t0)
	p.line("build", "compile", "ok\n")
	p.finish()
	golden(t, "printer-tty.golden", b.String())
}

func TestParseInputs(t *testing.T) {
	cases := []struct {
		name, in string
		param    bool
		wantErr  bool
	}{
		{"string param", "x=1", true, false},
		{"array param", "xs=a,b", true, false},
		{"param without value", "x", true, true},
		{"emptyDir", "name=src,emptyDir=", false, false},
		{"claim", "name=src,claimName=pvc", false, false},
		{"unknown key", "name=src,bucket=b", false, true},
		{"no name", "emptyDir=", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.param {
				_, err = parseParams([]string{tc.in})
			} else {
				_, err = parseWorkspaces([]string{tc.in})
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("%q: err = %v, want error %v", tc.in, err, tc.wantErr)
			}
		})
	}
}

func TestRerunOf(t *testing.T) {
	pr, _ := fixture()
	pr.GenerateName = "ship-"
	pr.Labels = map[string]string{"team": "a", "tekton.dev/pipeline": "ship"}
	pr.Spec.Status = v1.PipelineRunSpecStatusCancelled
	got := rerunOf(target{pr: pr}).(*v1.PipelineRun)
	if got.GenerateName != "ship-" || got.Spec.Status != "" || got.Labels["team"] != "a" || len(got.Labels) != 1 ||
		got.Name != "" || got.UID != types.UID("") {
		t.Errorf("rerun = %+v", got.ObjectMeta)
	}
}

// TestEveryCommandParses runs each command's --help: flags that clash
// with kubectl's (-s is --server) panic here rather than for a user.
func TestEveryCommandParses(t *testing.T) {
	e, _ := testEnv(t)
	for _, c := range e.root().Commands() {
		t.Run(c.Name(), func(t *testing.T) {
			e, out := testEnv(t)
			root := e.root()
			root.SetArgs([]string{c.Name(), "--help"})
			if err := root.Execute(); err != nil || out.Len() == 0 {
				t.Errorf("%s --help: %v", c.Name(), err)
			}
		})
	}
}

func TestListAndDryRun(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"list-taskruns.golden", []string{"list", "taskruns", "-o", "name"}},
		{"start-dry-run.golden", []string{"start", "pipeline", "ship", "-p", "who=you", "-p", "xs=a,b",
			"-w", "name=src,claimName=pvc", "--serviceaccount", "builder", "--dry-run"}},
	}
	_, objs := fixture()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out := testEnv(t, objs...)
			root := e.root()
			root.SetArgs(tc.args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, out.String())
		})
	}
}
