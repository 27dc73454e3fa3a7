package task

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// doneWhen is issue 2's "done when" TaskRun: three script steps, a param,
// a result and an emptyDir workspace.
const doneWhen = `
metadata: {name: hello}
spec:
  params:
  - {name: greeting, value: hello}
  workspaces:
  - {name: src, emptyDir: {}}
  taskSpec:
    params:
    - {name: greeting, type: string}
    results:
    - {name: message}
    workspaces:
    - {name: src}
    steps:
    - name: write
      image: alpine
      script: echo $(params.greeting) > $(workspaces.src.path)/msg
    - name: build
      image: alpine
      script: |
        #!/bin/sh
        grep -q $(params.greeting) $(workspaces.src.path)/msg
    - name: report
      image: alpine
      script: cat $(workspaces.src.path)/msg | tee $(results.message.path)
`

func TestDoneWhenSucceeds(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, doneWhen)
	pod := waitForPod(t, ns, "hello-pod")

	var names []string
	var scripts []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
		o, err := entrypoint.Parse(c.Args)
		if err != nil {
			t.Fatalf("container %s args: %v", c.Name, err)
		}
		scripts = append(scripts, o.Script)
	}
	if diff := cmp.Diff([]string{"step-write", "step-build", "step-report"}, names); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	mustContain(t, "write script", scripts[0], "echo hello > /workspace/src/msg")
	mustContain(t, "report script", scripts[2], "tee /tekton/results/message")
	if pod.Spec.ActiveDeadlineSeconds == nil || *pod.Spec.ActiveDeadlineSeconds != 3600 {
		t.Errorf("activeDeadlineSeconds = %v, want 3600 (config default-timeout 60m)", pod.Spec.ActiveDeadlineSeconds)
	}
	if !hasEmptyDirVolume(pod, resources.WorkspaceVolumeName("src")) {
		t.Errorf("pod has no emptyDir volume %q for the workspace", resources.WorkspaceVolumeName("src"))
	}
	tr := waitForReason(t, ns, "hello", "Pending")
	if tr.Status.PodName != "hello-pod" || tr.Status.StartTime == nil || tr.Status.TaskSpec == nil {
		t.Errorf("status podName=%q startTime=%v taskSpec set=%v", tr.Status.PodName, tr.Status.StartTime, tr.Status.TaskSpec != nil)
	}

	ok := entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: time.Now()}
	report := ok
	report.Results = map[string]string{"message": "hello\n"}
	setPodStatus(t, pod, corev1.PodSucceeded, terminated(0, ok), terminated(0, ok), terminated(0, report))

	tr = waitForReason(t, ns, "hello", "Succeeded")
	want := []v1.TaskRunResult{{Name: "message", Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues("hello\n")}}
	if diff := cmp.Diff(want, tr.Status.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if tr.Status.CompletionTime == nil || len(tr.Status.Steps) != 3 || tr.Status.Steps[2].Terminated == nil {
		t.Errorf("completionTime=%v steps=%+v", tr.Status.CompletionTime, tr.Status.Steps)
	}
}

func hasEmptyDirVolume(pod *corev1.Pod, name string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Name == name && v.EmptyDir != nil {
			return true
		}
	}
	return false
}

func TestFailingMiddleStep(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, doneWhen)
	pod := waitForPod(t, ns, "hello-pod")
	now := time.Now()
	setPodStatus(t, pod, corev1.PodFailed,
		terminated(0, entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: now}),
		terminated(2, entrypoint.Termination{Reason: entrypoint.ReasonError, ExitCode: 2, StartedAt: now}),
		terminated(1, entrypoint.Termination{Reason: entrypoint.ReasonSkipped, StartedAt: now}))

	tr := waitForReason(t, ns, "hello", "Failed")
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	if c.Message != `"step-build" exited with code 2` {
		t.Errorf("message = %q, want %q", c.Message, `"step-build" exited with code 2`)
	}
	if got := tr.Status.Steps[2].TerminationReason; got != entrypoint.ReasonSkipped {
		t.Errorf("last step terminationReason = %q, want Skipped", got)
	}
}

func TestInvalidTaskRun(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: both}
spec:
  taskRef: {name: build}
  taskSpec:
    steps: [{name: s, image: alpine, script: "true"}]
`)
	tr := waitForReason(t, ns, "both", "TaskRunValidationFailed")
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message, "expected exactly one, got both")

	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: missing-param}
spec:
  taskSpec:
    params: [{name: who}]
    steps: [{name: s, image: alpine, script: "echo $(params.who)"}]
`)
	tr = waitForReason(t, ns, "missing-param", "TaskRunValidationFailed")
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message, "missing value for params who")
	if n := len(podsOf(t, ns, "both")) + len(podsOf(t, ns, "missing-param")); n != 0 {
		t.Errorf("%d pods created for invalid TaskRuns", n)
	}
}

func TestMissingTask(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: orphan}
spec:
  taskRef: {name: nope}
`)
	tr := waitForReason(t, ns, "orphan", "CouldntGetTask")
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message, `Task "nope" not found in namespace "`+ns+`"`)
}

func TestTaskRef(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.Task{}, `
metadata: {name: build}
spec:
  steps: [{name: compile, image: golang}]
`)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: ref}
spec:
  taskRef: {name: build}
`)
	pod := waitForPod(t, ns, "ref-pod")
	o, err := entrypoint.Parse(pod.Spec.Containers[0].Args)
	if err != nil {
		t.Fatal(err)
	}
	// The step has no command: the image's entrypoint (fake resolver) runs.
	if diff := cmp.Diff([]string{"/bin/golang"}, o.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
}

func TestTimeoutStopsPod(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: slow}
spec:
  timeout: 1m
  taskSpec:
    steps: [{name: sleep, image: alpine, script: "sleep 3600"}]
`)
	pod := waitForPod(t, ns, "slow-pod")
	setPodStatus(t, pod, corev1.PodRunning, running())
	waitForReason(t, ns, "slow", "Running")
	itest.clock.Step(2 * time.Minute)
	touch(t, ns, "slow")
	tr := waitForReason(t, ns, "slow", "TaskRunTimeout")
	mustContain(t, "message", tr.Status.GetCondition(apis.ConditionSucceeded).Message, `TaskRun "slow" failed to finish within "1m0s"`)
	assertStopped(t, ns, "slow-pod")
}

func TestCancelStopsPod(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: cancel-me}
spec:
  taskSpec:
    steps: [{name: sleep, image: alpine, script: "sleep 3600"}]
`)
	pod := waitForPod(t, ns, "cancel-me-pod")
	setPodStatus(t, pod, corev1.PodRunning, running())
	tr := getTaskRun(t, ns, "cancel-me")
	patch := client.MergeFrom(tr.DeepCopy())
	tr.Spec.Status = v1.TaskRunSpecStatusCancelled
	if err := itest.client.Patch(context.Background(), tr, patch); err != nil {
		t.Fatal(err)
	}
	tr = waitForReason(t, ns, "cancel-me", "TaskRunCancelled")
	if tr.Status.CompletionTime == nil {
		t.Error("cancelled TaskRun has no completionTime")
	}
	assertStopped(t, ns, "cancel-me-pod")
}

// assertStopped checks that the pod is kept, with its deadline lowered.
// The pod is stopped right after the status that says why is written, so
// the test may see the status first.
func assertStopped(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, "pod "+name+" stopped", func() (bool, string) {
		pod := &corev1.Pod{}
		if err := itest.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, pod); err != nil {
			return false, err.Error()
		}
		d := pod.Spec.ActiveDeadlineSeconds
		if d == nil || *d != stoppedDeadline {
			return false, fmt.Sprintf("activeDeadlineSeconds = %v, want %d", d, stoppedDeadline)
		}
		return true, ""
	})
}

func TestRetries(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: flaky}
spec:
  retries: 1
  taskSpec:
    steps: [{name: try, image: alpine, script: "exit 1"}]
`)
	pod := waitForPod(t, ns, "flaky-pod")
	setPodStatus(t, pod, corev1.PodFailed,
		terminated(1, entrypoint.Termination{Reason: entrypoint.ReasonError, ExitCode: 1, StartedAt: time.Now()}))
	retry := waitForPod(t, ns, "flaky-pod-retry1")
	tr := getTaskRun(t, ns, "flaky")
	if len(tr.Status.RetriesStatus) != 1 {
		t.Fatalf("retriesStatus has %d entries, want 1", len(tr.Status.RetriesStatus))
	}
	first := tr.Status.RetriesStatus[0]
	if c := first.GetCondition(apis.ConditionSucceeded); c == nil || c.Reason != "Failed" || first.PodName != "flaky-pod" {
		t.Errorf("retriesStatus[0] = podName %q condition %+v", first.PodName, c)
	}
	setPodStatus(t, retry, corev1.PodSucceeded,
		terminated(0, entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: time.Now()}))
	tr = waitForReason(t, ns, "flaky", "Succeeded")
	if tr.Status.PodName != "flaky-pod-retry1" {
		t.Errorf("podName = %q, want flaky-pod-retry1", tr.Status.PodName)
	}
}

func TestReconcileTwiceOnePod(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, doneWhen)
	waitForPod(t, ns, "hello-pod")
	for range 5 {
		touch(t, ns, "hello")
		time.Sleep(20 * time.Millisecond)
	}
	waitForReason(t, ns, "hello", "Pending")
	pods := podsOf(t, ns, "hello")
	names := sets.New[string]()
	for _, p := range pods {
		names.Insert(p.Name)
	}
	if len(pods) != 1 || !names.Has("hello-pod") {
		t.Errorf("pods = %v, want only hello-pod", sets.List(names))
	}
}
