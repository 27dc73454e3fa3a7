//go:build e2e

package conformance

import (
	"strings"
	"testing"
	"time"
)

// row is one documented Tekton behaviour.
type row struct {
	name string
	// docs are applied in order; the last object is the run (TaskRun or
	// PipelineRun) named run.
	docs, kind, run string
	// refused: the apply must fail with this text (Tekton refuses at apply).
	refused string
	// status, reason, message: the run's Succeeded condition.
	status, reason, message string
	// results: status.results that must be there.
	results map[string]string
}

const okTask = `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: echo}
spec:
  params: [{name: msg, default: hi}]
  results: [{name: out}]
  steps:
  - {name: s, image: busybox, script: 'printf "%s" "$(params.msg)" > $(results.out.path)'}
`

var rows = []row{
	{name: "task-params-all-types", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"s": "a", "first": "x", "url": "u"}, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  params:
  - {name: list, value: [x, z]}
  - {name: repo, value: {url: u}}
  taskSpec:
    params:
    - {name: s, type: string, default: a}
    - {name: list, type: array}
    - name: repo
      type: object
      properties: {url: {type: string}, branch: {type: string}}
      default: {url: d, branch: main}
    results: [{name: s}, {name: first}, {name: url}]
    steps:
    - name: s
      image: busybox
      args: ["$(params.list[*])"]
      script: |
        printf '%s' "$(params.s)" > $(results.s.path)
        printf '%s' "$1" > $(results.first.path)
        printf '%s' "$(params.repo.url)" > $(results.url.path)
`},
	{name: "results-array-object", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"arr": "[a b]", "obj": "map[k:v]"}, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    results:
    - {name: arr, type: array}
    - {name: obj, type: object, properties: {k: {type: string}}}
    steps:
    - name: s
      image: busybox
      script: |
        printf '["a","b"]' > $(results.arr.path)
        printf '{"k":"v"}' > $(results.obj.path)
`},
	{name: "workspace-emptydir-and-context", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"name": "r"}, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  workspaces: [{name: w, emptyDir: {}}]
  taskSpec:
    workspaces: [{name: w, mountPath: /data}]
    results: [{name: name}]
    steps:
    - {name: a, image: busybox, script: 'echo x > $(workspaces.w.path)/f'}
    - {name: b, image: busybox, script: 'test -f /data/f && printf "%s" "$(context.taskRun.name)" > $(results.name.path)'}
`},
	{name: "step-template-and-sidecar", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded", docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    stepTemplate:
      env: [{name: GREETING, value: hi}]
    sidecars:
    - name: srv
      image: busybox
      script: 'mkdir -p /tmp/www && echo up > /tmp/www/index.html && httpd -f -p 8080 -h /tmp/www'
      readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
    steps:
    - {name: s, image: busybox, script: 'test "$GREETING" = hi && timeout 5 wget -qO- http://127.0.0.1:8080/ | grep -q up'}
`},
	{name: "onerror-continue-exitcode", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"code": "3"}, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    results: [{name: code}]
    steps:
    - {name: fail, image: busybox, onError: continue, script: 'exit 3'}
    - {name: read, image: busybox, script: 'cp $(steps.step-fail.exitCode.path) $(results.code.path)'}
`},
	{name: "step-failure-fails-taskrun", kind: "TaskRun", run: "r", status: "False", reason: "Failed", docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    steps:
    - {name: fail, image: busybox, script: 'exit 1'}
    - {name: never, image: busybox, script: 'true'}
`},
	{name: "taskrun-timeout", kind: "TaskRun", run: "r", status: "False", reason: "TaskRunTimeout", docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  timeout: 3s
  taskSpec:
    steps:
    - {name: slow, image: busybox, script: 'sleep 60'}
`},
	{name: "legacy-inputs-params-v1beta1", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"out": "old"}, docs: `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: legacy}
spec:
  params: [{name: msg}]
  results: [{name: out}]
  steps:
  - name: s
    image: busybox
    resources: {requests: {cpu: 10m}}
    script: 'printf "%s" "$(inputs.params.msg)" > $(results.out.path)'
---
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: r}
spec:
  taskRef: {name: legacy}
  params: [{name: msg, value: old}]
`},
	{name: "stepaction-with-params-and-results", kind: "TaskRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"out": "got x"}, docs: `
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata: {name: act}
spec:
  params: [{name: v}]
  results: [{name: r}]
  image: busybox
  env: [{name: V, value: $(params.v)}]
  script: 'printf "got %s" "$V" > $(step.results.r.path)'
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    results: [{name: out, value: $(steps.do.results.r)}]
    steps:
    - {name: do, ref: {name: act}, params: [{name: v, value: x}]}
`},
	{name: "pipeline-results-and-runafter", kind: "PipelineRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"final": "hello-again"}, docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  params: [{name: greeting, default: hello}]
  results: [{name: final, value: $(tasks.second.results.out)}]
  tasks:
  - {name: first, taskRef: {name: echo}, params: [{name: msg, value: $(params.greeting)}]}
  - {name: second, taskRef: {name: echo}, params: [{name: msg, value: "$(tasks.first.results.out)-again"}]}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineRef: {name: p}
`},
	{name: "when-skips-and-completes", kind: "PipelineRun", run: "r", status: "True", reason: "Completed", docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  params: [{name: env, value: dev}]
  pipelineSpec:
    params: [{name: env}]
    tasks:
    - name: deploy
      when: [{input: $(params.env), operator: in, values: [prod]}]
      taskRef: {name: echo}
    - {name: always, taskRef: {name: echo}}
`},
	{name: "finally-reads-statuses", kind: "PipelineRun", run: "r", status: "False", reason: "Failed",
		results: map[string]string{"seen": "Failed/Failed"}, docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    results: [{name: seen, value: $(finally.report.results.out)}]
    tasks:
    - name: boom
      taskSpec:
        steps: [{name: s, image: busybox, script: 'exit 1'}]
    finally:
    - name: report
      taskRef: {name: echo}
      params: [{name: msg, value: "$(tasks.boom.status)/$(tasks.status)"}]
`},
	{name: "matrix-fan-out-results", kind: "PipelineRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"all": "[a b]"}, docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    results: [{name: all, type: array, value: "$(tasks.fan.results.out[*])"}]
    tasks:
    - name: fan
      taskRef: {name: echo}
      matrix:
        params: [{name: msg, value: [a, b]}]
`},
	{name: "workspace-bound-in-when", kind: "PipelineRun", run: "r", status: "True", reason: "Completed", docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    workspaces: [{name: cache, optional: true}]
    tasks:
    - name: use-cache
      when: [{input: $(workspaces.cache.bound), operator: in, values: ["true"]}]
      taskRef: {name: echo}
    - name: no-cache
      when: [{input: $(workspaces.cache.bound), operator: in, values: ["false"]}]
      taskRef: {name: echo}
`},
	{name: "matrix-length", kind: "PipelineRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"total": "3", "made": "3"}, docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    results:
    - {name: total, value: $(tasks.count.results.out)}
    - {name: made, value: $(tasks.made.results.out)}
    tasks:
    - name: fan
      taskRef: {name: echo}
      matrix:
        params: [{name: msg, value: [a, b, c]}]
    - name: count
      taskRef: {name: echo}
      params: [{name: msg, value: $(tasks.fan.matrix.length)}]
    - name: made
      runAfter: [fan]
      taskRef: {name: echo}
      params: [{name: msg, value: $(tasks.fan.matrix.out.length)}]
`},
	{name: "pipelinerun-timeout", kind: "PipelineRun", run: "r", status: "False", reason: "PipelineRunTimeout", docs: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  timeouts: {pipeline: 3s}
  pipelineSpec:
    tasks:
    - name: slow
      taskSpec:
        steps: [{name: s, image: busybox, script: 'sleep 60'}]
`},
	{name: "propagated-params-and-workspaces", kind: "PipelineRun", run: "r", status: "True", reason: "Succeeded",
		results: map[string]string{"said": "hi r"}, docs: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  params: [{name: msg, value: hi}]
  workspaces: [{name: ws, emptyDir: {}}]
  pipelineSpec:
    results: [{name: said, value: $(tasks.t.results.said)}]
    workspaces: [{name: ws}]
    tasks:
    - name: t
      taskSpec:
        results: [{name: said}]
        steps:
        - name: s
          image: busybox
          script: |
            echo x > $(workspaces.ws.path)/f
            printf '%s %s' "$(params.msg)" "$(context.pipelineRun.name)" > $(results.said.path)
`},
	{name: "refused-unknown-field", refused: `unknown field "spec.steps[0].stepz"`, docs: `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps: [{name: s, image: busybox, stepz: x}]
`},
	{name: "refused-invalid-spec", refused: "validation failed: missing field(s): spec.steps", docs: `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: t}
spec: {params: [{name: x}]}
`},
	{name: "refused-duplicate-param", refused: "validation failed", docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  params: [{name: a, value: x}, {name: a, value: y}]
  taskSpec:
    params: [{name: a}]
    steps: [{name: s, image: busybox, script: 'true'}]
`},
	{name: "invalid-task-result-reference", kind: "PipelineRun", run: "r", status: "False", reason: "InvalidTaskResultReference",
		message: `"nope" is not a named result returned by pipeline task "a"`, docs: okTask + `
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    tasks:
    - {name: a, taskRef: {name: echo}}
    - {name: b, taskRef: {name: echo}, params: [{name: msg, value: $(tasks.a.results.nope)}]}
`},
	{name: "missing-task", kind: "TaskRun", run: "r", status: "False", reason: "CouldntGetTask", message: `"absent" not found`, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskRef: {name: absent}
`},
	{name: "missing-pipeline", kind: "PipelineRun", run: "r", status: "False", reason: "CouldntGetPipeline", message: `Pipeline "absent" not found`, docs: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineRef: {name: absent}
`},
	{name: "missing-stepaction", kind: "TaskRun", run: "r", status: "False", reason: "TaskRunResolutionFailed", message: `StepAction "absent" not found`, docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  taskSpec:
    steps: [{name: s, ref: {name: absent}}]
`},
	{name: "embedded-custom-task", kind: "PipelineRun", run: "r", status: "False", reason: "CouldntGetTask", message: "Slipway runs only its own slipway.dev/v1alpha1 Approval custom task", docs: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    tasks:
    - name: wait
      taskSpec: {apiVersion: example.dev/v1, kind: Wait, spec: {duration: 1s}}
`},
	{name: "retries-then-fail", kind: "TaskRun", run: "r", status: "False", reason: "Failed", docs: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: r}
spec:
  retries: 1
  taskSpec:
    steps: [{name: s, image: busybox, script: 'exit 1'}]
`},
}

func TestConformance(t *testing.T) {
	c := newClient(t)
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			count(t)
			ns := namespace(t, c, r.name)
			err := apply(c, ns, r.docs)
			if r.refused != "" {
				if err == nil || !strings.Contains(err.Error(), r.refused) {
					t.Fatalf("apply error = %v, want refusal containing %q", err, r.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			u, err := waitDone(c, ns, r.kind, r.run, 3*time.Minute)
			if err != nil {
				t.Fatalf("%s %s not done: %v", r.kind, r.run, err)
			}
			status, reason, msg := condition(u)
			if status != r.status || reason != r.reason || !strings.Contains(msg, r.message) {
				t.Errorf("Succeeded = %s/%s (%q), want %s/%s containing %q", status, reason, msg, r.status, r.reason, r.message)
			}
			got := results(u)
			for k, v := range r.results {
				if got[k] != v {
					t.Errorf("result %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}
