//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// The "done when" TaskRun of issue 2, on a real kubelet: three script steps
// in order, a param, a result, an emptyDir workspace, images by their
// Docker Hub names.
func TestTaskRunOrderedStepsParamResultWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: hello}
spec:
  params: [{name: who, value: slipway}]
  workspaces: [{name: scratch, emptyDir: {}}]
  taskSpec:
    params: [{name: who, type: string}]
    results: [{name: greeting}]
    workspaces: [{name: scratch}]
    steps:
    - name: first
      image: alpine
      script: |
        echo one > $(workspaces.scratch.path)/order
        echo "first ran"
    - name: second
      image: ubuntu:22.04
      script: |
        #!/bin/bash
        set -euo pipefail
        [[ "$(cat $(workspaces.scratch.path)/order)" == one ]]
        echo two >> $(workspaces.scratch.path)/order
    - name: third
      image: busybox
      script: |
        printf 'hello %s' "$(params.who)" > $(results.greeting.path)
        cat $(workspaces.scratch.path)/order
`, &tr)
	got := e.waitTaskRunDone("hello", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.Results) != 1 || got.Status.Results[0].Value.StringVal != "hello slipway" {
		t.Errorf("results = %+v, want greeting=hello slipway", got.Status.Results)
	}
	if len(got.Status.Steps) != 3 {
		t.Fatalf("steps = %d, want 3", len(got.Status.Steps))
	}
	if out := e.logs(got.Status.PodName, "step-third"); out != "one\ntwo\n" {
		t.Errorf("step-third logs = %q, want the order file written by steps one and two", out)
	}
	if out := e.logs(got.Status.PodName, "step-first"); !strings.Contains(out, "first ran") {
		t.Errorf("step-first logs = %q", out)
	}
	for i := 1; i < 3; i++ {
		prev, cur := got.Status.Steps[i-1].Terminated, got.Status.Steps[i].Terminated
		if prev == nil || cur == nil {
			t.Fatalf("step %d or %d not terminated: %+v", i-1, i, got.Status.Steps)
		}
		if cur.StartedAt.Before(&prev.FinishedAt) {
			t.Errorf("step %s started at %s, before step %s finished at %s",
				got.Status.Steps[i].Name, cur.StartedAt, got.Status.Steps[i-1].Name, prev.FinishedAt)
		}
	}
}

func TestTaskRunFailingStepSkipsTheRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: fails}
spec:
  taskSpec:
    steps:
    - {name: ok, image: busybox, script: "echo fine"}
    - {name: boom, image: busybox, script: "echo about to fail; exit 3"}
    - {name: never, image: busybox, script: "echo SHOULD NOT RUN"}
`, &tr)
	got := e.waitTaskRunDone("fails", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "Failed")
	if !strings.Contains(c.Message, "boom") {
		t.Errorf("message %q does not name the failing step", c.Message)
	}
	steps := got.Status.Steps
	if len(steps) != 3 {
		t.Fatalf("steps = %+v", steps)
	}
	if steps[1].Terminated == nil || steps[1].Terminated.ExitCode != 3 {
		t.Errorf("step boom = %+v, want exit code 3", steps[1])
	}
	if steps[2].TerminationReason != "Skipped" {
		t.Errorf("step never: terminationReason = %q, want Skipped (%+v)", steps[2].TerminationReason, steps[2])
	}
	if out := e.logs(got.Status.PodName, "step-never"); strings.Contains(out, "SHOULD NOT RUN") {
		t.Errorf("skipped step ran: %q", out)
	}
}

func TestTaskRunScriptsWithAndWithoutShebang(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: scripts}
spec:
  taskSpec:
    results: [{name: shell}]
    steps:
    - name: bash
      image: bash
      script: |
        #!/usr/bin/env bash
        arr=(a b c)
        echo "bash array has ${#arr[@]}"
    - name: sh
      image: alpine
      script: |
        false
        echo "set -e did not stop the script" > $(results.shell.path)
`, &tr)
	got := e.waitTaskRunDone("scripts", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "Failed")
	if out := e.logs(got.Status.PodName, "step-bash"); !strings.Contains(out, "bash array has 3") {
		t.Errorf("bash step logs = %q", out)
	}
	if len(got.Status.Results) != 0 {
		t.Errorf("a script without shebang must run with set -e; results = %+v", got.Status.Results)
	}
}

func TestTaskRunImageOnlyStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref := pushEntrypointImage(t, "e2e/greeter", []string{"/bin/sh", "-c", "echo entrypoint-from-image $0 $@"}, []string{"cmd-from-image"})
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: image-only}
spec:
  taskSpec:
    steps:
    - {name: defaults, image: "`+ref+`"}
    - {name: with-args, image: "`+ref+`", args: ["given", "args"]}
`, &tr)
	got := e.waitTaskRunDone("image-only", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if out := e.logs(got.Status.PodName, "step-defaults"); !strings.Contains(out, "entrypoint-from-image cmd-from-image") {
		t.Errorf("step-defaults logs = %q, want the image's ENTRYPOINT with its CMD", out)
	}
	if out := e.logs(got.Status.PodName, "step-with-args"); !strings.Contains(out, "entrypoint-from-image given args") {
		t.Errorf("step-with-args logs = %q, want the image's ENTRYPOINT with the step's args", out)
	}
}

func TestTaskRunPVCWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: pvc}
spec:
  workspaces:
  - name: data
    volumeClaimTemplate:
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 16Mi}}
  taskSpec:
    workspaces: [{name: data}]
    steps:
    - {name: write, image: busybox, script: "echo persisted > $(workspaces.data.path)/f"}
    - {name: read, image: busybox, script: "cat $(workspaces.data.path)/f; echo claim=$(workspaces.data.claim)"}
`, &tr)
	got := e.waitTaskRunDone("pvc", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	out := e.logs(got.Status.PodName, "step-read")
	if !strings.Contains(out, "persisted") || strings.Contains(out, "claim=\n") {
		t.Errorf("step-read logs = %q, want the file and the claim name", out)
	}
}

func TestTaskRunSidecarReadyBeforeFirstStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: sidecar}
spec:
  taskSpec:
    volumes: [{name: shared, emptyDir: {}}]
    sidecars:
    - name: server
      image: busybox
      volumeMounts: [{name: shared, mountPath: /shared}]
      script: |
        sleep 2
        echo up > /shared/ready
        exec sleep 3600
      readinessProbe:
        exec: {command: [cat, /shared/ready]}
        periodSeconds: 1
    steps:
    - name: check
      image: busybox
      volumeMounts: [{name: shared, mountPath: /shared}]
      script: "cat /shared/ready"
`, &tr)
	got := e.waitTaskRunDone("sidecar", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.Sidecars) != 1 {
		t.Errorf("sidecars status = %+v, want one", got.Status.Sidecars)
	}
}

func TestTaskRunStepTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: step-timeout}
spec:
  taskSpec:
    steps:
    - {name: slow, image: busybox, timeout: 1s, script: "echo started; sleep 30"}
    - {name: after, image: busybox, script: "echo after"}
`, &tr)
	got := e.waitTaskRunDone("step-timeout", time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "Failed")
	if r := got.Status.Steps[0].TerminationReason; r != "TimeoutExceeded" {
		t.Errorf("step slow terminationReason = %q, want TimeoutExceeded", r)
	}
	if out := e.logs(got.Status.PodName, "step-slow"); !strings.Contains(out, "started") {
		t.Errorf("logs after a step timeout = %q, want them readable", out)
	}
}

func TestTaskRunTimeoutKeepsLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: tr-timeout}
spec:
  timeout: 5s
  taskSpec:
    steps:
    - {name: slow, image: busybox, script: "echo started; sleep 120"}
`, &tr)
	got := e.waitTaskRunDone("tr-timeout", time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "TaskRunTimeout")
	e.waitForPodStopped(got.Status.PodName)
	if out := e.logs(got.Status.PodName, "step-slow"); !strings.Contains(out, "started") {
		t.Errorf("logs after a TaskRun timeout = %q, want them readable", out)
	}
}

func TestTaskRunCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: cancel}
spec:
  taskSpec:
    steps:
    - {name: slow, image: busybox, script: "echo started; sleep 120"}
`, &tr)
	e.waitFor("step to start", time.Minute, func(ctx context.Context) (bool, error) {
		var cur pipelinev1.TaskRun
		if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "cancel"}, &cur); err != nil {
			return false, err
		}
		return len(cur.Status.Steps) == 1 && cur.Status.Steps[0].Running != nil, nil
	})
	patch := []byte(`{"spec":{"status":"TaskRunCancelled"}}`)
	if err := e.c.Patch(context.Background(), &tr, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("cancelling: %v", err)
	}
	got := e.waitTaskRunDone("cancel", time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "TaskRunCancelled")
	e.waitForPodStopped(got.Status.PodName)
	if out := e.logs(got.Status.PodName, "step-slow"); !strings.Contains(out, "started") {
		t.Errorf("logs after cancel = %q, want them readable", out)
	}
}

func TestTaskRunRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: retries}
spec:
  retries: 2
  taskSpec:
    steps:
    - {name: flaky, image: busybox, script: "echo attempt $(context.task.retry-count); [ $(context.task.retry-count) -ge 1 ]"}
`, &tr)
	got := e.waitTaskRunDone("retries", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(got.Status.RetriesStatus) != 1 {
		t.Fatalf("retriesStatus has %d entries, want 1", len(got.Status.RetriesStatus))
	}
	first := got.Status.RetriesStatus[0]
	wantCondition(t, first.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "Failed")
	if out := e.logs(first.PodName, "step-flaky"); !strings.Contains(out, "attempt 0") {
		t.Errorf("first attempt logs = %q", out)
	}
	if out := e.logs(got.Status.PodName, "step-flaky"); !strings.Contains(out, "attempt 1") {
		t.Errorf("retry logs = %q", out)
	}
}

func TestTaskRunValidationFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Refused at apply by the admission webhook, as Tekton's does; the
	// reconciler's own validation (the backstop for objects stored before
	// the webhook) is covered by pkg/task's envtest tests.
	tr := &pipelinev1.TaskRun{}
	if err := yaml.UnmarshalStrict([]byte(`
metadata: {name: invalid}
spec:
  taskSpec:
    steps:
    - {name: "Bad_Name", image: busybox, script: "true"}
`), tr); err != nil {
		t.Fatal(err)
	}
	tr.Namespace = e.ns
	err := e.c.Create(context.Background(), tr)
	if err == nil || !strings.Contains(err.Error(), `validation failed: invalid value "Bad_Name": spec.taskSpec.steps[0].name`) {
		t.Errorf("create error = %v, want the webhook's refusal naming Bad_Name", err)
	}
}

// waitForPodStopped waits until no container of the pod is running.
func (e *env) waitForPodStopped(name string) {
	e.t.Helper()
	e.waitFor("pod "+name+" to stop", time.Minute, func(ctx context.Context) (bool, error) {
		p := e.pod(name)
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Running != nil {
				return false, nil
			}
		}
		return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded, nil
	})
}

// TestTaskRunImagePullFailed: a step whose image does not exist fails the
// TaskRun as soon as the kubelet backs off (Tekton's
// default-imagepullbackoff-timeout is 0), with Tekton's reason and words,
// instead of waiting for the TaskRun's timeout.
func TestTaskRunImagePullFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	node, _, _ := strings.Cut(gitServer(t), ":")
	image := node + ":5000/e2e/does-not-exist:v1"
	e.apply(`
metadata: {name: no-image}
spec:
  taskSpec:
    steps:
    - {name: first, image: busybox, script: "true"}
    - {name: missing, image: "`+image+`", command: ["/bin/true"]}
`, &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("no-image", 2*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, "TaskRunImagePullFailed")
	want := `the step "missing" in TaskRun "no-image" failed to pull the image "` + image + `"`
	if !strings.Contains(c.Message, want) {
		t.Errorf("message = %q, want it to start with %q", c.Message, want)
	}
}
