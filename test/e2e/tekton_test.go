//go:build e2e && tekton

package e2e

// These tests run the slipway CLI against Tekton Pipelines itself, not
// Slipway: `make tekton-compat` installs Tekton in Slipway's place
// (hack/tekton.sh) and runs them with -tags 'e2e tekton'.

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/cli"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// wantTekton fails the test unless the pods of the runs matching sel were
// made by Tekton (its init container "prepare" runs its entrypoint image).
func (e *env) wantTekton(sel map[string]string) {
	e.t.Helper()
	var pods corev1.PodList
	if err := e.c.List(context.Background(), &pods, client.InNamespace(e.ns), client.MatchingLabels(sel)); err != nil {
		e.t.Fatal(err)
	}
	for _, p := range pods.Items {
		if len(p.Spec.InitContainers) == 0 || p.Spec.InitContainers[0].Name != "prepare" ||
			!strings.Contains(p.Spec.InitContainers[0].Image, "/tekton/entrypoint") {
			e.t.Fatalf("pod %s was not made by Tekton: init containers %v", p.Name, p.Spec.InitContainers)
		}
	}
	if len(pods.Items) == 0 {
		e.t.Fatalf("no pods for %v", sel)
	}
}

// TestOnTektonCLIPipeline: start a pipeline with the CLI and follow its
// logs, read them again, describe, list and rerun it, all against Tekton.
func TestOnTektonCLIPipeline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	name, live := e.startHello("tekton")
	e.wantTekton(map[string]string{resources.LabelPipelineRun: name})
	if !strings.Contains(live, "Tasks Completed: 2") {
		t.Errorf("live logs end without Tekton's message:\n%s", live)
	}
	if again, code := e.slipway("logs", name); code != cli.ExitOK || again != live {
		t.Errorf("logs of the finished run (exit %d):\n%s\nwant what was followed:\n%s", code, again, live)
	}
	desc, _ := e.slipway("describe", name)
	for _, w := range []string{"Pipeline    hello", "make  Succeeded", "use  Succeeded", "result word = hi", "say", "print"} {
		if !strings.Contains(desc, w) {
			t.Errorf("describe lacks %q:\n%s", w, desc)
		}
	}
	if list, _ := e.slipway("list", "pipelineruns", "-o", "name"); !strings.Contains(list, name) {
		t.Errorf("list lacks %s:\n%s", name, list)
	}
	out, code := e.slipway("rerun", name, "-o", "name")
	rerun := strings.TrimPrefix(strings.TrimSpace(out), "pipelinerun.tekton.dev/")
	if code != cli.ExitOK || rerun == "" || rerun == name {
		t.Fatalf("rerun: exit %d: %s", code, out)
	}
	pr := e.waitPipelineRunDone(rerun, 2*time.Minute)
	if c := pr.Status.GetCondition(apis.ConditionSucceeded); !c.IsTrue() || pr.Spec.Params[0].Value.StringVal != "tekton" {
		t.Errorf("the rerun: %v, params %v; want it to succeed with the same params", c, pr.Spec.Params)
	}
	// Tekton keeps no log once the pod is gone: the CLI says so.
	e.deletePods(map[string]string{resources.LabelPipelineRun: name})
	if gone, _ := e.slipway("logs", name); !strings.Contains(gone, "[make:say] (no log: ") ||
		!strings.Contains(gone, "the run has no log archive") {
		t.Errorf("logs once the pods are gone:\n%s", gone)
	}
}

// TestOnTektonCLIOutcomes: the exit code mirrors the run's outcome against
// Tekton: a failed TaskRun run from a file, and a cancelled one.
func TestOnTektonCLIOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := t.TempDir() + "/fails.yaml"
	writeFile(t, file, `apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: fails}
spec:
  taskSpec:
    steps:
    - {name: try, image: busybox, script: 'echo trying; exit 3'}
`)

	out, code := e.slipway("run", "-f", file, "--showlog")
	if code != cli.ExitRunFailed || !strings.Contains(out, "[try] trying\n") || !strings.Contains(out, "TaskRun fails Failed") {
		t.Errorf("run -f of a failing TaskRun: exit %d:\n%s", code, out)
	}
	e.wantTekton(map[string]string{resources.LabelTaskRun: "fails"})
	e.apply(`
metadata: {name: long}
spec:
  taskSpec:
    steps:
    - {name: wait, image: busybox, script: 'echo waiting; sleep 300'}
`, &pipelinev1.TaskRun{})
	pod := e.runningPod("long")
	e.waitFor("the step's first line", time.Minute, func(ctx context.Context) (bool, error) {
		return strings.Contains(e.logs(pod.Name, "step-wait"), "waiting"), nil
	})
	if out, code := e.slipway("cancel", "tr/long"); code != cli.ExitOK {
		t.Fatalf("cancel: exit %d: %s", code, out)
	}
	out, code = e.slipway("logs", "-f", "tr/long")
	if code != cli.ExitRunFailed || !strings.Contains(out, "[wait] waiting\n") || !strings.Contains(out, "TaskRunCancelled") {
		t.Errorf("logs -f of the cancelled TaskRun: exit %d:\n%s", code, out)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
