package webhook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
)

// request builds an admission request for the object in doc.
func request(t *testing.T, op admissionv1.Operation, doc string) admission.Request {
	t.Helper()
	raw, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		t.Fatal(err)
	}
	gvk := tm.GroupVersionKind()
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: op,
		Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Object:    runtime.RawExtension{Raw: raw},
	}}
	if op == admissionv1.Update {
		req.OldObject = runtime.RawExtension{Raw: raw}
	}
	return req
}

func fixedConfig(c *config.Config) ConfigSource {
	return func(context.Context) (*config.Config, error) { return c, nil }
}

const validTaskRun = `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr, namespace: default}
spec:
  taskSpec:
    steps:
    - name: s
      image: busybox
      script: echo hi
`

func TestDefaultRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{{
		name: "unknown field in a step, with its path",
		doc: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr}
spec:
  taskSpec:
    steps:
    - name: s
      image: busybox
      stepz: oops
`,
		want: `mutation failed: cannot decode incoming new object: json: unknown field "spec.taskSpec.steps[0].stepz"`,
	}, {
		name: "unknown field in v1beta1",
		doc: `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: t}
spec:
  stepz: []
`,
		want: `mutation failed: cannot decode incoming new object: json: unknown field "spec.stepz"`,
	}, {
		name: "a param name YAML made a boolean",
		doc: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pr}
spec:
  pipelineRef: {name: p}
  params:
  - name: n
    value: x
`,
		want: "mutation failed: cannot decode incoming new object: json: cannot unmarshal bool into Go struct field",
	}}
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := tc.doc
			if strings.Contains(tc.name, "boolean") {
				doc = strings.Replace(doc, "name: n\n", "name: false\n", 1)
			}
			resp := a.Default(context.Background(), request(t, admissionv1.Create, doc))
			if resp.Allowed {
				t.Fatal("allowed, want refused")
			}
			if got := resp.Result.Message; !strings.HasPrefix(got, tc.want) {
				t.Errorf("message = %q, want prefix %q", got, tc.want)
			}
			if resp.Result.Code != 400 {
				t.Errorf("code = %d, want 400", resp.Result.Code)
			}
		})
	}
}

func TestDefaultPatches(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DefaultTimeout = 90 * time.Second
	cfg.DefaultServiceAccount = "builder"
	a := NewAdmission(fixedConfig(cfg), nil, nil)
	for _, op := range []admissionv1.Operation{admissionv1.Create, admissionv1.Update} {
		resp := a.Default(context.Background(), request(t, op, validTaskRun))
		if !resp.Allowed {
			t.Fatalf("%s refused: %v", op, resp.Result)
		}
		got := map[string]any{}
		for _, p := range resp.Patches {
			got[p.Path] = p.Value
		}
		want := map[string]any{"/spec/timeout": "1m30s", "/spec/serviceAccountName": "builder"}
		for path, v := range want {
			if got[path] != v {
				t.Errorf("%s: patch %s = %v, want %v (all: %v)", op, path, got[path], v, got)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{name: "valid TaskRun", doc: validTaskRun},
		{name: "valid v1beta1 Task", doc: `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: t}
spec:
  params:
  - name: x
  steps:
  - name: s
    image: busybox
    script: echo $(inputs.params.x)
`},
		{name: "a Task without steps", doc: `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec: {}
`, want: "validation failed: missing field(s): spec.steps"},
		{name: "a Pipeline with a task cycle", doc: `
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - {name: a, taskRef: {name: t}, runAfter: [b]}
  - {name: b, taskRef: {name: t}, runAfter: [a]}
`, want: "validation failed: invalid value: cycle detected"},
	}
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := a.Validate(context.Background(), request(t, admissionv1.Create, tc.doc))
			if tc.want == "" {
				if !resp.Allowed {
					t.Fatalf("refused: %v", resp.Result.Message)
				}
				return
			}
			if resp.Allowed {
				t.Fatal("allowed, want refused")
			}
			if got := resp.Result.Message; !strings.HasPrefix(got, tc.want) {
				t.Errorf("message = %q, want prefix %q", got, tc.want)
			}
		})
	}
}

func TestDeleteAllowed(t *testing.T) {
	t.Parallel()
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	req := request(t, admissionv1.Delete, validTaskRun)
	for name, h := range map[string]func(context.Context, admission.Request) admission.Response{"default": a.Default, "validate": a.Validate} {
		if resp := h(context.Background(), req); !resp.Allowed {
			t.Errorf("%s refused a delete: %v", name, resp.Result)
		}
	}
}

// Admit is Default and Validate in one call: it refuses what either
// refuses and patches what Default patches.
func TestAdmit(t *testing.T) {
	t.Parallel()
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	tests := []struct{ name, doc, want string }{
		{name: "valid", doc: validTaskRun},
		{name: "PipelineRun with generateName", doc: `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {generateName: demo-, namespace: default}
spec:
  pipelineSpec:
    tasks:
    - name: a
      taskSpec: {steps: [{name: s, image: busybox, script: "true"}]}
`},
		{name: "generateName", doc: strings.Replace(validTaskRun, "metadata: {name: tr, namespace: default}", "metadata: {generateName: tr-, namespace: default}", 1)},
		{name: "unknown field", doc: strings.Replace(validTaskRun, "script: echo hi", "script: echo hi\n      stepz: x", 1),
			want: `mutation failed: cannot decode incoming new object: json: unknown field "spec.taskSpec.steps[0].stepz"`},
		{name: "invalid", doc: `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec: {}
`, want: "validation failed: missing field(s): spec.steps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := a.Admit(context.Background(), request(t, admissionv1.Create, tc.doc))
			if tc.want == "" {
				if !resp.Allowed || len(resp.Patches) == 0 {
					t.Errorf("allowed %v with %d patches, want allowed with the defaults", resp.Allowed, len(resp.Patches))
				}
				return
			}
			if resp.Allowed || !strings.HasPrefix(resp.Result.Message, tc.want) {
				t.Errorf("response = %v %v, want refused with %q", resp.Allowed, resp.Result, tc.want)
			}
		})
	}
}
