//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

func init() {
	if err := v1beta1.AddToScheme(scheme); err != nil {
		panic(err)
	}
}

// A v1beta1 Task written the Tekton catalog's way (step resources, a
// result, a param with a default), run from a v1beta1 TaskRun and from a
// v1 TaskRun; and a v1 Task run from a v1beta1 TaskRun.
func TestV1beta1TaskRunsBothWays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: beta-greet
  labels: {app.kubernetes.io/version: "0.1"}
spec:
  params:
  - name: who
    type: string
    default: catalog
  results:
  - name: greeting
    description: what was said
  steps:
  - name: greet
    image: docker.io/library/busybox
    resources:
      requests: {cpu: 10m, memory: 16Mi}
    script: |
      printf 'hello %s' "$(params.who)" | tee $(results.greeting.path)
`, &v1beta1.Task{})
	e.apply(`
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: v1-greet}
spec:
  results: [{name: greeting}]
  steps:
  - name: greet
    image: busybox
    computeResources: {requests: {cpu: 10m}}
    script: printf 'hi from v1' > $(results.greeting.path)
`, &pipelinev1.Task{})
	e.apply(`
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: beta-run}
spec:
  taskRef: {name: beta-greet}
  params: [{name: who, value: beta}]
`, &v1beta1.TaskRun{})
	e.apply(`
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: v1-run-of-beta}
spec:
  taskRef: {name: beta-greet}
`, &pipelinev1.TaskRun{})
	e.apply(`
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: beta-run-of-v1}
spec:
  taskRef: {name: v1-greet}
`, &v1beta1.TaskRun{})
	want := map[string]string{"beta-run": "hello beta", "v1-run-of-beta": "hello catalog", "beta-run-of-v1": "hi from v1"}
	for name, greeting := range want {
		tr := e.waitTaskRunDone(name, 2*time.Minute)
		wantCondition(t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
		if len(tr.Status.Results) != 1 || tr.Status.Results[0].Value.StringVal != greeting {
			t.Errorf("%s: results = %+v, want greeting=%q", name, tr.Status.Results, greeting)
		}
	}
	// Read back in v1beta1, through the conversion webhook: v1beta1's
	// status names results taskResults.
	var beta v1beta1.TaskRun
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: "beta-run"}, &beta); err != nil {
		t.Fatal(err)
	}
	if len(beta.Status.TaskRunResults) != 1 || beta.Status.TaskRunResults[0].Value.StringVal != "hello beta" {
		t.Errorf("v1beta1 status.taskResults = %+v", beta.Status.TaskRunResults)
	}
	if c := beta.Status.GetCondition(apis.ConditionSucceeded); c == nil || !c.IsTrue() {
		t.Errorf("v1beta1 Succeeded condition = %+v", c)
	}
	var task v1beta1.Task
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: "beta-greet"}, &task); err != nil {
		t.Fatal(err)
	}
	if got := task.Spec.Steps[0].Resources.Requests.Memory().String(); got != "16Mi" {
		t.Errorf("v1beta1 Task round trip: step resources memory = %q, want 16Mi", got)
	}
}

// What Tekton's webhook refuses at kubectl apply, Slipway's refuses too,
// naming the field.
func TestWebhookRefusesAtApply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ name, doc, want string }{{
		name: "unknown field in a step",
		doc: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: typo}
spec:
  taskSpec:
    steps:
    - {name: s, image: busybox, script: "true", stepz: oops}
`,
		want: `denied the request: mutation failed: cannot decode incoming new object: json: unknown field "spec.taskSpec.steps[0].stepz"`,
	}, {
		name: "invalid v1beta1 Task",
		doc: `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: bad}
spec:
  steps:
  - {name: s, image: busybox, script: "true", command: [sh]}
`,
		want: "denied the request: validation failed: script cannot be used with command",
	}, {
		name: "a param name YAML made a boolean",
		doc: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: boolparam}
spec:
  pipelineRef: {name: p}
  params:
  - {name: n, value: x}
`,
		want: "cannot unmarshal bool into Go struct field",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(tc.doc), &u.Object); err != nil {
				t.Fatal(err)
			}
			u.SetNamespace(e.ns)
			err := e.c.Create(context.Background(), u)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("create error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	var list pipelinev1.TaskRunList
	if err := e.c.List(context.Background(), &list, client.InNamespace(e.ns)); err != nil || len(list.Items) != 0 {
		t.Errorf("refused objects were stored: %d (%v)", len(list.Items), err)
	}
}

// Tekton behaviours that Slipway used to miss, each on a real pod: the
// exit code of a step that failed with onError: continue, read through
// $(steps.step-<name>.exitCode.path); the legacy $(inputs.params.x) form;
// args without a command on an image with only a CMD (busybox: sh); and a
// step's own volume mounted over /tekton/home.
func TestTektonStepBehaviours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: steps}
spec:
  params: [{name: who, value: legacy}]
  taskSpec:
    params: [{name: who}]
    results: [{name: code}, {name: legacy}, {name: args}, {name: home}]
    volumes: [{name: myhome, emptyDir: {}}]
    steps:
    - name: fail
      image: busybox
      onError: continue
      script: exit 7
    - name: read-code
      image: busybox
      script: cat $(steps.step-fail.exitCode.path) > $(results.code.path)
    - name: legacy
      image: busybox
      script: printf '%s' "$(inputs.params.who)" > $(results.legacy.path)
    - name: args-only
      image: busybox
      args: ["-c", "printf 'ran sh' > $(results.args.path)"]
    - name: own-home
      image: busybox
      volumeMounts: [{name: myhome, mountPath: /tekton/home}]
      script: |
        touch /tekton/home/mine
        grep -q ' /tekton/home ' /proc/mounts && printf ok > $(results.home.path)
`, &pipelinev1.TaskRun{})
	tr := e.waitTaskRunDone("steps", 2*time.Minute)
	wantCondition(t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	want := map[string]string{"code": "7", "legacy": "legacy", "args": "ran sh", "home": "ok"}
	got := map[string]string{}
	for _, r := range tr.Status.Results {
		got[r.Name] = r.Value.StringVal
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("result %s = %q, want %q", k, got[k], v)
		}
	}
	if s := tr.Status.Steps[0]; s.Terminated == nil || s.Terminated.ExitCode != 7 {
		t.Errorf("step fail: %+v, want exit code 7", s.Terminated)
	}
}

// Propagation as Tekton documents it: params, context and workspaces of a
// PipelineRun reach an embedded taskSpec without being declared there, a
// param the taskSpec declares keeps its own value, and a TaskRun's
// workspace reaches its embedded taskSpec.
func TestPropagation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: prop}
spec:
  params: [{name: msg, value: hello}, {name: own, value: pipeline}]
  workspaces: [{name: shared, emptyDir: {}}]
  pipelineSpec:
    params: [{name: msg}, {name: own}]
    workspaces: [{name: shared}]
    results: [{name: said, value: $(tasks.write.results.said)}]
    tasks:
    - name: write
      params: [{name: own, value: task}]
      taskSpec:
        params: [{name: own}]
        results: [{name: said}]
        steps:
        - name: s
          image: busybox
          script: |
            printf '%s %s %s' "$(params.msg)" "$(params.own)" "$(context.pipelineRun.name)" > $(workspaces.shared.path)/said
            cp $(workspaces.shared.path)/said $(results.said.path)
`, &pipelinev1.PipelineRun{})
	e.apply(`
metadata: {name: trprop}
spec:
  workspaces: [{name: scratch, emptyDir: {}}]
  taskSpec:
    results: [{name: ok}]
    steps:
    - name: s
      image: busybox
      script: touch $(workspaces.scratch.path)/f && printf yes > $(results.ok.path)
`, &pipelinev1.TaskRun{})
	pr := e.waitPipelineRunDone("prop", 2*time.Minute)
	wantCondition(t, pr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(pr.Status.Results) != 1 || pr.Status.Results[0].Value.StringVal != "hello task prop" {
		t.Errorf("results = %+v, want said=%q", pr.Status.Results, "hello task prop")
	}
	tr := e.waitTaskRunDone("trprop", 2*time.Minute)
	wantCondition(t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
}

// The "done when" PipelineRun of issue 10: a v1 PipelineRun whose embedded
// Task uses StepActions (a v1beta1 and a v1alpha1 one, with params and a
// step result, also as a task result), a param propagated from the
// PipelineRun into a StepAction's params, and the exit code of a step that
// failed with onError: continue.
func TestStepActionsPropagationExitCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata: {name: greet}
spec:
  params:
  - {name: name, default: world}
  results:
  - {name: greeting}
  image: busybox
  env: [{name: NAME, value: $(params.name)}]
  script: printf 'hello %s' "$NAME" > $(step.results.greeting.path)
`, &v1beta1.StepAction{})
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(`
apiVersion: tekton.dev/v1alpha1
kind: StepAction
metadata: {name: shout}
spec:
  params: [{name: text}]
  image: busybox
  env: [{name: TEXT, value: $(params.text)}]
  script: |
    echo "$TEXT" | tr a-z A-Z
`), &u.Object); err != nil {
		t.Fatal(err)
	}
	u.SetNamespace(e.ns)
	if err := e.c.Create(context.Background(), u); err != nil {
		t.Fatalf("creating a v1alpha1 StepAction: %v", err)
	}
	e.apply(`
metadata: {name: sa}
spec:
  params: [{name: who, value: slipway}]
  pipelineSpec:
    params: [{name: who}]
    results: [{name: greeting, value: $(tasks.t.results.greeting)}]
    tasks:
    - name: t
      taskSpec:
        results:
        - {name: greeting, value: $(steps.greet.results.greeting)}
        steps:
        - name: greet
          ref: {name: greet}
          params: [{name: name, value: $(params.who)}]
        - name: fail
          image: busybox
          onError: continue
          script: exit 2
        - name: check
          image: busybox
          env: [{name: GREETING, value: $(steps.greet.results.greeting)}]
          script: |
            test "$(cat $(steps.step-fail.exitCode.path))" = 2
            test "$GREETING" = "hello slipway"
        - name: shout
          ref: {name: shout}
          params: [{name: text, value: $(steps.greet.results.greeting)}]
`, &pipelinev1.PipelineRun{})
	pr := e.waitPipelineRunDone("sa", 2*time.Minute)
	wantCondition(t, pr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(pr.Status.Results) != 1 || pr.Status.Results[0].Value.StringVal != "hello slipway" {
		t.Errorf("pipeline results = %+v, want greeting=hello slipway", pr.Status.Results)
	}
	tr := e.waitTaskRunDone("sa-t", time.Minute)
	if got := e.logs(tr.Status.PodName, "step-shout"); !strings.Contains(got, "HELLO SLIPWAY") {
		t.Errorf("shout logs = %q", got)
	}
	if s := tr.Status.Steps[0]; len(s.Results) != 1 || s.Results[0].Value.StringVal != "hello slipway" {
		t.Errorf("step greet results = %+v", s.Results)
	}
	got := map[string]string{}
	for _, r := range tr.Status.Results {
		got[r.Name] = r.Value.StringVal
	}
	if got["greeting"] != "hello slipway" {
		t.Errorf("task results = %v, want greeting from a step result", got)
	}
}

// Tekton's feature-flags ConfigMap is read live: with enable-api-fields
// alpha, an alpha field (a step's stdoutConfig) is accepted and works; a
// setting Slipway does not implement is reported as an event on the
// ConfigMap. Not parallel: it changes cluster-wide settings, and restores them.
func TestFeatureFlagsLive(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := types.NamespacedName{Namespace: "slipway", Name: "feature-flags"}
	var ff corev1.ConfigMap
	if err := e.c.Get(ctx, key, &ff); err != nil {
		t.Fatal(err)
	}
	orig := ff.DeepCopy()
	t.Cleanup(func() {
		var cur corev1.ConfigMap
		if err := e.c.Get(ctx, key, &cur); err == nil {
			cur.Data = orig.Data
			_ = e.c.Update(ctx, &cur)
		}
	})
	ff.Data["enable-api-fields"] = "alpha"
	ff.Data["enable-param-enum"] = "true"
	ff.Data["enable-cel-in-whenexpression"] = "true"
	// Honoured since results past 4 KB (D22) need no sidecar; a key
	// Slipway does not implement is reported.
	ff.Data["results-from"] = "sidecar-logs"
	ff.Data["enable-provenance-in-status"] = "false"
	if err := e.c.Update(ctx, &ff); err != nil {
		t.Fatal(err)
	}
	doc := `
metadata: {name: out}
spec:
  taskSpec:
    results: [{name: said}]
    steps:
    - name: say
      image: busybox
      stdoutConfig: {path: $(results.said.path)}
      script: printf said
`
	// The webhook reads the ConfigMap from its cache: retry until it sees alpha.
	e.waitFor("the webhook to allow alpha fields", 30*time.Second, func(ctx context.Context) (bool, error) {
		tr := &pipelinev1.TaskRun{}
		if err := yaml.UnmarshalStrict([]byte(doc), tr); err != nil {
			return false, err
		}
		tr.Namespace = e.ns
		err := e.c.Create(ctx, tr)
		return err == nil, nil
	})
	tr := e.waitTaskRunDone("out", 2*time.Minute)
	wantCondition(t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(tr.Status.Results) != 1 || tr.Status.Results[0].Value.StringVal != "said" {
		t.Errorf("results = %+v, want said from stdoutConfig", tr.Status.Results)
	}
	e.apply(`
metadata: {name: enum}
spec:
  params: [{name: env, value: qa}]
  taskSpec:
    params: [{name: env, enum: [dev, prod]}]
    steps: [{name: s, image: busybox, script: "true"}]
`, &pipelinev1.TaskRun{})
	enum := e.waitTaskRunDone("enum", time.Minute)
	wantCondition(t, enum.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "InvalidParamValue")
	e.apply(`
metadata: {name: cel}
spec:
  params: [{name: env, value: dev}]
  pipelineSpec:
    params: [{name: env}]
    tasks:
    - name: deploy
      when: [{cel: "'$(params.env)' == 'prod'"}]
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
    - name: test
      when: [{cel: "'$(params.env)' in ['dev', 'qa']"}]
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
`, &pipelinev1.PipelineRun{})
	e.apply(`
metadata: {name: celbad}
spec:
  pipelineSpec:
    tasks:
    - name: t
      when: [{cel: "'a' + 'b'"}]
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
`, &pipelinev1.PipelineRun{})
	e.checkDebugBreakpoint()
	e.checkPipelinesInPipelines()
	e.checkStepCEL()
	bad := e.waitPipelineRunDone("celbad", time.Minute)
	wantCondition(t, bad.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionFalse, "CELEvaluationFailed")
	cel := e.waitPipelineRunDone("cel", 2*time.Minute)
	wantCondition(t, cel.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Completed")
	if len(cel.Status.SkippedTasks) != 1 || cel.Status.SkippedTasks[0].Name != "deploy" {
		t.Errorf("skipped = %+v, want deploy only", cel.Status.SkippedTasks)
	}
	e.waitFor("a NotImplemented event on feature-flags", 90*time.Second, func(ctx context.Context) (bool, error) {
		evs, err := e.kube.EventsV1().Events("slipway").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, ev := range evs.Items {
			if ev.Regarding.Name == "feature-flags" && ev.Reason == "NotImplemented" && strings.Contains(ev.Note, "enable-provenance-in-status") {
				return true, nil
			}
		}
		return false, nil
	})
}

// TestStepWhen: Tekton's step when expressions (TEP-0156), evaluated by
// the shim against an earlier step's result: the step whose expression is
// false is Skipped with exit code 0, the others run, the TaskRun succeeds.
func TestStepWhen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: step-when}
spec:
  params: [{name: env, value: dev}]
  taskSpec:
    params: [{name: env}]
    steps:
    - name: check-cache
      image: busybox
      results: [{name: hit}]
      script: printf true > $(step.results.hit.path)
    - name: calculate
      image: busybox
      when: [{input: "$(steps.check-cache.results.hit)", operator: notin, values: ["true"]}]
      script: echo calculating
    - name: dev-only
      image: busybox
      when: [{input: "$(params.env)", operator: in, values: [dev]}]
      script: echo on dev
`, &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("step-when", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	reasons := map[string]string{}
	for _, st := range got.Status.Steps {
		reasons[st.Name] = st.TerminationReason
	}
	want := map[string]string{"check-cache": "Completed", "calculate": "Skipped", "dev-only": "Completed"}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("steps = %v, want %v", reasons, want)
	}
	if logs := e.logs("step-when-pod", "step-dev-only"); !strings.Contains(logs, "on dev") {
		t.Errorf("dev-only printed %q", logs)
	}
}

// TestIsolatedWorkspaces: a workspace a step names in its own workspaces
// is mounted in that step only, at its mountPath; the other steps do not
// see it.
func TestIsolatedWorkspaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.apply(`
metadata: {name: isolated}
spec:
  workspaces:
  - {name: creds, emptyDir: {}}
  - {name: src, emptyDir: {}}
  taskSpec:
    workspaces: [{name: creds}, {name: src}]
    steps:
    - name: fetch
      image: busybox
      workspaces: [{name: creds, mountPath: /creds}]
      script: |
        echo token > /creds/token
        echo code > $(workspaces.src.path)/main
    - name: build
      image: busybox
      script: |
        test ! -e /creds/token && test ! -e /workspace/creds/token
        cat $(workspaces.src.path)/main
`, &pipelinev1.TaskRun{})
	got := e.waitTaskRunDone("isolated", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
}
