package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// badObjects were stored while the CRDs' schemas were open: each has a
// field of the wrong JSON type, which would stop a typed informer.
const badObjects = `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: bad-taskrun, namespace: default}
spec:
  params: [{name: false, value: x}]
  taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: bad-pipelinerun, namespace: default}
spec:
  params: [{name: false, value: x}]
  pipelineSpec: {tasks: [{name: a, taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}}]}
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: bad-task, namespace: default}
spec:
  steps: [{name: s, image: busybox, command: ["true"], timeout: 5}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: bad-pipeline, namespace: default}
spec:
  tasks: [{name: a, timeout: 5, taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}}]
`

// goodObjects run next to them.
const goodObjects = `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: uses-bad-task, namespace: default}
spec: {taskRef: {name: bad-task}}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: uses-bad-pipeline, namespace: default}
spec: {pipelineRef: {name: bad-pipeline}}
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: good-taskrun, namespace: default}
spec:
  taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: good-pipelinerun, namespace: default}
spec:
  pipelineSpec: {tasks: [{name: a, taskSpec: {steps: [{name: s, image: busybox, command: ["true"]}]}}]}
`

// TestUndecodableObjectsDoNotBlockOthers stores, for every kind, an object
// that does not decode, then turns the schemas on and starts the
// controller as main does: each bad run fails with the decoding error, each
// run that references a bad Task or Pipeline fails naming it, and the good
// runs proceed.
func TestUndecodableObjectsDoNotBlockOthers(t *testing.T) {
	if testing.Short() || os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("integration test: needs KUBEBUILDER_ASSETS (hack/envtest-assets.sh) and no -short")
	}
	typed := readCRDs(t)
	env := &envtest.Environment{CRDs: openCopies(typed)}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	applyAll(ctx, t, c, "config.yaml", "tekton-config.yaml")
	create(ctx, t, c, badObjects)
	for _, crd := range typed {
		updateSchemas(ctx, t, c, crd)
	}
	checkSchemaRefuses(ctx, t, c)
	create(ctx, t, c, goodObjects)
	startController(ctx, t, env)

	waitCondition(ctx, t, c, "taskruns", "bad-taskrun", "TaskRunValidationFailed", "cannot unmarshal bool")
	waitCondition(ctx, t, c, "pipelineruns", "bad-pipelinerun", "PipelineRunValidationFailed", "cannot unmarshal bool")
	waitCondition(ctx, t, c, "taskruns", "uses-bad-task", "CouldntGetTask", `resolving Task "bad-task": cannot be decoded`)
	waitCondition(ctx, t, c, "pipelineruns", "uses-bad-pipeline", "CouldntGetPipeline", `resolving Pipeline "bad-pipeline": cannot be decoded`)
	waitFor(ctx, t, "good-taskrun gets its pod", func() bool {
		return field(ctx, t, c, "taskruns", "good-taskrun", "status", "podName") != ""
	})
	waitFor(ctx, t, "good-pipelinerun gets its TaskRun", func() bool {
		var l v1.TaskRunList
		s := runtime.NewScheme()
		_ = v1.AddToScheme(s)
		lc, _ := client.New(cfg, client.Options{Scheme: s})
		return lc.List(ctx, &l, client.InNamespace("default"), client.MatchingLabels{"tekton.dev/pipelineRun": "good-pipelinerun"}) == nil && len(l.Items) == 1
	})
}

func readCRDs(t *testing.T) []*apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, n := range []string{"tasks", "taskruns", "pipelines", "pipelineruns", "stepactions", "customruns"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "config", "crd-"+n+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(b, crd); err != nil {
			t.Fatal(err)
		}
		// envtest has no webhook to convert with; only v1 is used here.
		crd.Spec.Conversion = nil
		out = append(out, crd)
	}
	return out
}

// openCopies returns the CRDs with the open schemas they had before.
func openCopies(crds []*apiextensionsv1.CustomResourceDefinition) []*apiextensionsv1.CustomResourceDefinition {
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, crd := range crds {
		o := crd.DeepCopy()
		for i := range o.Spec.Versions {
			preserve := true
			o.Spec.Versions[i].Schema = &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
				Type: "object", XPreserveUnknownFields: &preserve}}
		}
		out = append(out, o)
	}
	return out
}

func updateSchemas(ctx context.Context, t *testing.T, c client.Client, typed *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	var crd apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, types.NamespacedName{Name: typed.Name}, &crd); err != nil {
		t.Fatal(err)
	}
	for i := range crd.Spec.Versions {
		crd.Spec.Versions[i].Schema = typed.Spec.Versions[i].Schema
	}
	if err := c.Update(ctx, &crd); err != nil {
		t.Fatalf("turning on the schema of %s: %v", crd.Name, err)
	}
}

// checkSchemaRefuses: with the schemas on, the API server refuses a new
// object of the wrong type by itself (there is no webhook in envtest).
// The schema takes a moment to be served.
func checkSchemaRefuses(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	var err error
	waitFor(ctx, t, "the API server refuses a param named false", func() bool {
		objs := decodeAll(t, strings.ReplaceAll(badObjects, "bad-", "new-bad-"))
		err = c.Create(ctx, objs[1])
		if err == nil {
			_ = c.Delete(ctx, objs[1])
		}
		return apierrors.IsInvalid(err)
	})
	if !strings.Contains(err.Error(), `spec.params[0].name: Invalid value: "boolean": spec.params[0].name in body must be of type string`) {
		t.Errorf("refusal does not name the field: %v", err)
	}
}

func startController(ctx context.Context, t *testing.T, env *envtest.Environment) {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: "controller", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", path)
	o := defaultOptions()
	o.Namespace, o.LeaderElect, o.WebhookPort, o.MetricsAddr, o.HealthAddr = "slipway", false, 0, "0", "0"
	o.Workers = 4
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(runCtx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller: %v", err)
		}
	})
}

func decodeAll(t *testing.T, docs string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, d := range strings.Split(docs, "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &u.Object); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func create(ctx context.Context, t *testing.T, c client.Client, docs string) {
	t.Helper()
	for _, u := range decodeAll(t, docs) {
		if err := c.Create(ctx, u); err != nil {
			t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
}

// applyAll creates the objects of config/ files (namespace first).
func applyAll(ctx context.Context, t *testing.T, c client.Client, files ...string) {
	t.Helper()
	create(ctx, t, c, "apiVersion: v1\nkind: Namespace\nmetadata: {name: slipway}")
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "..", "config", f))
		if err != nil {
			t.Fatal(err)
		}
		create(ctx, t, c, string(b))
	}
}

func field(ctx context.Context, t *testing.T, c client.Client, resource, name string, path ...string) string {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("tekton.dev/v1")
	u.SetKind(map[string]string{"taskruns": "TaskRun", "pipelineruns": "PipelineRun"}[resource])
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: name}, u); err != nil {
		t.Fatal(err)
	}
	v, _, _ := unstructured.NestedString(u.Object, path...)
	return v
}

// waitCondition waits for a run's Succeeded condition to be False with
// reason and a message containing msg.
func waitCondition(ctx context.Context, t *testing.T, c client.Client, resource, name, reason, msg string) {
	t.Helper()
	var got apis.Condition
	waitFor(ctx, t, resource+"/"+name+" fails with "+reason, func() bool {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("tekton.dev/v1")
		u.SetKind(map[string]string{"taskruns": "TaskRun", "pipelineruns": "PipelineRun"}[resource])
		if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: name}, u); err != nil {
			return false
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, raw := range conds {
			m, _ := raw.(map[string]any)
			if m["type"] == "Succeeded" {
				got = apis.Condition{Status: corev1.ConditionStatus(str(m["status"])), Reason: str(m["reason"]), Message: str(m["message"])}
			}
		}
		return got.Status == "False"
	})
	if got.Reason != reason || !strings.Contains(got.Message, msg) {
		t.Errorf("%s/%s: condition %s %q, want %s containing %q", resource, name, got.Reason, got.Message, reason, msg)
	}
}

func str(v any) string { s, _ := v.(string); return s }

func waitFor(ctx context.Context, t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
