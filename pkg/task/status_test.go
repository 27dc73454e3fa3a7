package task

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	t0  = time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	now = t0.Add(time.Hour)
)

func threeSteps() *v1.TaskSpec {
	return &v1.TaskSpec{
		Steps: []v1.Step{{Name: "clone"}, {Name: "build"}, {Name: "push"}},
		Results: []v1.TaskResult{
			{Name: "digest"},
			{Name: "tags", Type: v1.ResultsTypeArray},
			{Name: "info", Type: v1.ResultsTypeObject},
		},
	}
}

// stepPod is a pod with one container per step of threeSteps.
func stepPod(phase corev1.PodPhase, states ...corev1.ContainerState) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "tr-pod"}}
	p.Status.Phase = phase
	for i, n := range []string{"step-clone", "step-build", "step-push"} {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
		if i < len(states) {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses,
				corev1.ContainerStatus{Name: n, State: states[i]})
		}
	}
	return p
}

func done(code int32, kubeletReason string, t entrypoint.Termination) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: kubeletReason, Message: string(t.Marshal()),
		FinishedAt: metav1.NewTime(t0.Add(time.Minute)),
	}}
}

func ok(results map[string]string) corev1.ContainerState {
	return done(0, "Completed", entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: t0, Results: results})
}

func waiting(reason, msg string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
}

func TestStatusCondition(t *testing.T) {
	t.Parallel()
	failBuild := done(2, "Error", entrypoint.Termination{Reason: entrypoint.ReasonError, ExitCode: 2, StartedAt: t0})
	skipped := done(1, "Error", entrypoint.Termination{Reason: entrypoint.ReasonSkipped, StartedAt: t0})
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}
	deadline := stepPod(corev1.PodFailed, ok(nil), running, running)
	deadline.Status.Reason, deadline.Status.Message = "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"
	unscheduled := stepPod(corev1.PodPending)
	unscheduled.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: "Unschedulable", Message: "0/1 nodes are available"}}
	tests := []struct {
		name              string
		pod               *corev1.Pod
		status, reason, m string
	}{
		{"succeeded", stepPod(corev1.PodSucceeded, ok(nil), ok(nil), ok(nil)),
			"True", "Succeeded", "All Steps have completed executing"},
		{"middle step fails", stepPod(corev1.PodFailed, ok(nil), failBuild, skipped),
			"False", "Failed", `"step-build" exited with code 2`},
		{"step timeout", stepPod(corev1.PodFailed, ok(nil), done(137, "Error", entrypoint.Termination{
			Reason: entrypoint.ReasonTimeoutExceeded, ExitCode: 137, Message: "step ran longer than 1m0s"}), skipped),
			"False", "Failed", `"step-build" exited with code 137 (TimeoutExceeded): step ran longer than 1m0s`},
		{"oom without message", stepPod(corev1.PodFailed, ok(nil), corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "OOMKilled"}}, skipped),
			"False", "Failed", `"step-build" exited with code 137 (OOMKilled)`},
		{"deadline exceeded", deadline, "False", "TaskRunTimeout",
			`pod "tr-pod" failed: DeadlineExceeded: Pod was active on the node longer than the specified deadline`},
		{"every step exited 0, the pod's phase not reported yet", stepPod(corev1.PodRunning, ok(nil), ok(nil), ok(nil)),
			"True", "Succeeded", "All Steps have completed executing"},
		{"a step failed, the pod's phase not reported yet", stepPod(corev1.PodRunning, ok(nil), failBuild, skipped),
			"Unknown", "Running", "Not all Steps in the Task have finished executing"},
		{"running", stepPod(corev1.PodRunning, ok(nil), running, running),
			"Unknown", "Running", "Not all Steps in the Task have finished executing"},
		{"image pull backoff", stepPod(corev1.PodPending, waiting("ImagePullBackOff", "Back-off pulling image \"nope\"")),
			"Unknown", "Pending", `"step-clone" is waiting: ImagePullBackOff: Back-off pulling image "nope"`},
		// The reconciler fails it (stuckPod); the status says what waits.
		{"invalid image is pending here", stepPod(corev1.PodPending, waiting("InvalidImageName", "bad ref")),
			"Unknown", "Pending", `"step-clone" is waiting: InvalidImageName: bad ref`},
		{"unscheduled", unscheduled, "Unknown", "Pending",
			`pod "tr-pod" is not scheduled: Unschedulable: 0/1 nodes are available`},
		{"results too large", stepPod(corev1.PodFailed, ok(nil), done(1, "Error", entrypoint.Termination{Reason: entrypoint.ReasonResultsTooLarge,
			ExitCode: 1, Message: "result r is 5000 bytes, over max-result-size of 4096 bytes"}),
			done(0, "Completed", entrypoint.Termination{Reason: entrypoint.ReasonSkipped})),
			"False", "TaskRunResultLargerThanAllowedLimit", `"step-build" exited with code 1 (ResultsTooLarge): result r is 5000 bytes, over max-result-size of 4096 bytes`},
		{"wrong result type", stepPod(corev1.PodSucceeded, ok(map[string]string{"tags": "v1"}), ok(nil), ok(nil)),
			"False", ReasonInvalidResults, `result "tags" is declared as an array but its value "v1" is not a JSON array of strings`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Status(tc.pod, threeSteps(), now, nil).Condition
			want := [3]string{tc.status, tc.reason, tc.m}
			if diff := cmp.Diff(want, [3]string{string(got.Status), got.Reason, got.Message}); diff != "" {
				t.Errorf("condition (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusSteps(t *testing.T) {
	t.Parallel()
	failBuild := done(2, "Error", entrypoint.Termination{Reason: entrypoint.ReasonError, ExitCode: 2, StartedAt: t0})
	skipped := done(1, "Error", entrypoint.Termination{Reason: entrypoint.ReasonSkipped, StartedAt: t0})
	got := Status(stepPod(corev1.PodFailed, ok(nil), failBuild, skipped), threeSteps(), now, nil)
	want := []v1.StepState{
		{Name: "clone", Container: "step-clone", TerminationReason: "Completed", ContainerState: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
				StartedAt: metav1.NewTime(t0), FinishedAt: metav1.NewTime(t0.Add(time.Minute))}}},
		{Name: "build", Container: "step-build", TerminationReason: "Error", ContainerState: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error",
				StartedAt: metav1.NewTime(t0), FinishedAt: metav1.NewTime(t0.Add(time.Minute))}}},
		{Name: "push", Container: "step-push", TerminationReason: "Skipped", ContainerState: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Error",
				StartedAt: metav1.NewTime(t0), FinishedAt: metav1.NewTime(t0.Add(time.Minute))}}},
	}
	if diff := cmp.Diff(want, got.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if !got.Done || got.CompletionTime == nil || !got.CompletionTime.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("Done=%v CompletionTime=%v, want done at %v", got.Done, got.CompletionTime, t0.Add(time.Minute))
	}
}

func TestStatusResults(t *testing.T) {
	t.Parallel()
	pod := stepPod(corev1.PodSucceeded,
		ok(map[string]string{"digest": "sha256:old", "tags": `["a","b"]`}),
		ok(map[string]string{"digest": "sha256:new", "info": `{"k":"v"}`}),
		ok(nil))
	got := Status(pod, threeSteps(), now, nil)
	want := []v1.TaskRunResult{
		{Name: "digest", Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues("sha256:new")},
		{Name: "tags", Type: v1.ResultsTypeArray, Value: *v1.NewStructuredValues("a", "b")},
		{Name: "info", Type: v1.ResultsTypeObject, Value: *v1.NewObject(map[string]string{"k": "v"})},
	}
	if diff := cmp.Diff(want, got.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if got.Condition.Reason != "Succeeded" {
		t.Errorf("reason = %q, want Succeeded", got.Condition.Reason)
	}
}

func TestStatusSidecars(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	pod := stepPod(corev1.PodRunning)
	pod.Spec.InitContainers = []corev1.Container{
		{Name: "place-entrypoint"},
		{Name: "sidecar-db", RestartPolicy: &always},
	}
	pod.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "sidecar-db", ImageID: "db@sha256:1",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}}}
	spec := threeSteps()
	spec.Sidecars = []v1.Sidecar{{Name: "db"}}
	got := Status(pod, spec, now, nil)
	want := []v1.SidecarState{{Name: "db", Container: "sidecar-db", ImageID: "db@sha256:1",
		ContainerState: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}}}
	if diff := cmp.Diff(want, got.Sidecars); diff != "" {
		t.Errorf("sidecars (-want +got):\n%s", diff)
	}
	if got.Done {
		t.Error("Done = true for a running pod")
	}
}

func BenchmarkStatus(b *testing.B) {
	ok := ok(map[string]string{"digest": "sha256:abc"})
	pod := stepPod(corev1.PodSucceeded, ok, ok, ok)
	spec := threeSteps()
	for b.Loop() {
		Status(pod, spec, now, nil)
	}
}

func TestStatusLogResults(t *testing.T) {
	t.Parallel()
	rl := &entrypoint.ResultsLog{Tag: entrypoint.ResultsTagPrefix + "0123456789abcdef0123456789abcdef", Lines: 1, Bytes: 10, SHA256: "x"}
	inLog := done(0, "Completed", entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: t0, ResultsLog: rl})
	big := strings.Repeat("d", 600<<10)
	tests := []struct {
		name       string
		pod        *corev1.Pod
		logs       map[string]LogResults
		wantReason string
		wantDigest string
	}{
		{name: "read", pod: stepPod(corev1.PodSucceeded, ok(nil), inLog, ok(nil)),
			logs:       map[string]LogResults{"step-build": {Results: map[string]string{"digest": big}}},
			wantReason: "Succeeded", wantDigest: big},
		{name: "unreadable", pod: stepPod(corev1.PodSucceeded, ok(nil), inLog, ok(nil)),
			logs:       map[string]LogResults{"step-build": {Err: entrypoint.ErrResultsIncomplete}},
			wantReason: ReasonResultsUnreadable},
		{name: "not read yet", pod: stepPod(corev1.PodRunning, ok(nil), inLog, waiting("PodInitializing", "")),
			wantReason: "Running"},
		{name: "over the TaskRun's limit together", pod: stepPod(corev1.PodSucceeded, inLog, inLog, ok(nil)),
			logs: map[string]LogResults{"step-clone": {Results: map[string]string{"tags": `["` + big + `"]`}},
				"step-build": {Results: map[string]string{"digest": big}}},
			wantReason: v1.TaskRunReasonResultLargerThanAllowedLimit.String()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Status(tc.pod, threeSteps(), now, tc.logs)
			if got.Condition.Reason != tc.wantReason {
				t.Fatalf("reason = %q (%s), want %q", got.Condition.Reason, got.Condition.Message, tc.wantReason)
			}
			var digest string
			for _, r := range got.Results {
				if r.Name == "digest" {
					digest = r.Value.StringVal
				}
			}
			if digest != tc.wantDigest {
				t.Errorf("digest result of %d bytes, want %d", len(digest), len(tc.wantDigest))
			}
		})
	}
}

func TestNeedsLogResults(t *testing.T) {
	t.Parallel()
	rl := &entrypoint.ResultsLog{Tag: entrypoint.ResultsTagPrefix + "t", Lines: 1}
	inLog := done(0, "Completed", entrypoint.Termination{Reason: entrypoint.ReasonCompleted, StartedAt: t0, ResultsLog: rl})
	if got := NeedsLogResults(stepPod(corev1.PodRunning, inLog, waiting("PodInitializing", ""))); got != nil {
		t.Errorf("read before every step ended: %v", got)
	}
	if got := NeedsLogResults(stepPod(corev1.PodSucceeded, ok(nil), inLog, ok(nil))); len(got) != 1 || got["step-build"].Tag != entrypoint.ResultsTagPrefix+"t" {
		t.Errorf("NeedsLogResults = %v, want step-build", got)
	}
}
