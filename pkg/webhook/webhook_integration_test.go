package webhook

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/webhook/certs"
)

// create applies doc as a user would with kubectl (unstructured, so an
// unknown field reaches the API server).
func create(t *testing.T, doc string) (*unstructured.Unstructured, error) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
		t.Fatal(err)
	}
	if u.GetNamespace() == "" {
		u.SetNamespace("default")
	}
	return u, itest.client.Create(context.Background(), u)
}

func TestIntegrationRefusals(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	tests := []struct{ name, doc, want string }{{
		name: "unknown field, named with its path",
		doc: `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: typo}
spec:
  taskSpec:
    steps:
    - {name: s, image: busybox, stepz: oops}
`,
		want: `admission webhook "webhook.slipway.dev" denied the request: mutation failed: cannot decode incoming new object: json: unknown field "spec.taskSpec.steps[0].stepz"`,
	}, {
		name: "unknown field in v1beta1",
		doc: `
apiVersion: tekton.dev/v1beta1
kind: Pipeline
metadata: {name: typo}
spec:
  taskz: []
`,
		want: `json: unknown field "spec.taskz"`,
	}, {
		name: "invalid spec, in Tekton's words",
		doc: `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: nosteps}
spec:
  params: [{name: x}]
`,
		want: `admission webhook "webhook.slipway.dev" denied the request: validation failed: missing field(s): spec.steps`,
	}, {
		name: "a param name that YAML made a boolean",
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
			t.Parallel()
			_, err := create(t, tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("create error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestIntegrationDefaultsStored(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	_, err := create(t, `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: defaulted}
spec:
  taskSpec:
    params: [{name: p}]
    steps:
    - {name: s, image: busybox, script: echo $(params.p)}
  params: [{name: p, value: x}]
`)
	if err != nil {
		t.Fatal(err)
	}
	tr := &v1.TaskRun{}
	if err := itest.client.Get(context.Background(), types.NamespacedName{Namespace: "default", Name: "defaulted"}, tr); err != nil {
		t.Fatal(err)
	}
	// default-timeout is 90s in this test's slipway-config: exact, not whole minutes.
	if tr.Spec.Timeout == nil || tr.Spec.Timeout.Duration != 90*time.Second {
		t.Errorf("timeout = %v, want 1m30s", tr.Spec.Timeout)
	}
	if tr.Spec.ServiceAccountName != "default" {
		t.Errorf("serviceAccountName = %q, want default", tr.Spec.ServiceAccountName)
	}
	if got := tr.Spec.TaskSpec.Params[0].Type; got != v1.ParamTypeString {
		t.Errorf("param type = %q, want string", got)
	}
}

func TestIntegrationV1beta1(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	ctx := context.Background()
	_, err := create(t, `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: beta}
spec:
  params: [{name: x, default: a}]
  steps:
  - name: s
    image: busybox
    script: echo $(params.x)
    resources: {requests: {cpu: 10m}}
`)
	if err != nil {
		t.Fatal(err)
	}
	// Stored as v1: the step's resources are computeResources.
	task := &v1.Task{}
	if err := itest.client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "beta"}, task); err != nil {
		t.Fatal(err)
	}
	if got := task.Spec.Steps[0].ComputeResources.Requests.Cpu().String(); got != "10m" {
		t.Errorf("v1 computeResources cpu = %q, want 10m", got)
	}
	// Read back as v1beta1 through the conversion webhook.
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("tekton.dev/v1beta1")
	u.SetKind("Task")
	if err := itest.client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "beta"}, u); err != nil {
		t.Fatal(err)
	}
	steps, _, _ := unstructured.NestedSlice(u.Object, "spec", "steps")
	if len(steps) != 1 {
		t.Fatalf("v1beta1 steps = %v", steps)
	}
	if cpu, _, _ := unstructured.NestedString(steps[0].(map[string]any), "resources", "requests", "cpu"); cpu != "10m" {
		t.Errorf("v1beta1 step resources cpu = %q, want 10m (object %v)", cpu, u.Object["spec"])
	}
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("tekton.dev/v1beta1")
	list.SetKind("TaskList")
	if err := itest.client.List(ctx, list, client.InNamespace("default")); err != nil {
		t.Fatalf("listing v1beta1 Tasks: %v", err)
	}
}

func TestIntegrationCABundle(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	ctx := context.Background()
	s := &corev1.Secret{}
	if err := itest.client.Get(ctx, types.NamespacedName{Namespace: testNamespace, Name: SecretName}, s); err != nil {
		t.Fatal(err)
	}
	ca := s.Data[certs.KeyCACert]
	mut := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := itest.client.Get(ctx, types.NamespacedName{Name: MutatingName}, mut); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mut.Webhooks[0].ClientConfig.CABundle, ca) {
		t.Error("mutating webhook caBundle is not the Secret's CA")
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := itest.client.Get(ctx, types.NamespacedName{Name: "taskruns.tekton.dev"}, crd); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(crd.Spec.Conversion.Webhook.ClientConfig.CABundle, ca) {
		t.Error("CRD conversion caBundle is not the Secret's CA")
	}
}

// TestIntegrationSecondReplica: another replica's rotator adopts the
// Secret the first one made instead of replacing it, so both serve
// certificates from one CA.
func TestIntegrationSecondReplica(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	ctx := context.Background()
	key := types.NamespacedName{Namespace: testNamespace, Name: SecretName}
	before := &corev1.Secret{}
	if err := itest.client.Get(ctx, key, before); err != nil {
		t.Fatal(err)
	}
	host := strings.Split(itest.addr, ":")[0]
	rot, err := certs.NewRotator(itest.client, itest.client, zap.New(), certs.Options{
		Namespace: testNamespace, SecretName: SecretName, Hosts: []string{host},
		Targets: certs.Targets{MutatingWebhooks: []string{MutatingName}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rot.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	after := &corev1.Secret{}
	if err := itest.client.Get(ctx, key, after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion {
		t.Error("second replica rewrote the Secret")
	}
	if _, err := rot.GetCertificate(nil); err != nil {
		t.Error(err)
	}
}

// A run gets the labels Tekton puts on it: tekton.dev/task (or
// tekton.dev/pipeline) and the referenced object's labels and annotations,
// under the run's own.
func TestIntegrationRunMetadata(t *testing.T) {
	maybeSkip(t)
	t.Parallel()
	ctx := context.Background()
	for _, doc := range []string{`
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: labelled
  labels: {app.kubernetes.io/version: "0.9", team: task}
  annotations: {tekton.dev/displayName: Labelled}
spec:
  steps: [{name: s, image: busybox, script: "true"}]
`, `
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: labelled-run, labels: {team: run}}
spec:
  taskRef: {name: labelled}
`, `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: embedded-run}
spec:
  pipelineSpec:
    tasks: [{name: a, taskRef: {name: labelled}}]
`} {
		if _, err := create(t, doc); err != nil {
			t.Fatal(err)
		}
	}
	tr := &v1.TaskRun{}
	if err := itest.client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "labelled-run"}, tr); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tekton.dev/task": "labelled", "app.kubernetes.io/version": "0.9", "team": "run",
		"app.kubernetes.io/managed-by": "tekton-pipelines"}
	for k, v := range want {
		if tr.Labels[k] != v {
			t.Errorf("TaskRun label %s = %q, want %q (all: %v)", k, tr.Labels[k], v, tr.Labels)
		}
	}
	if tr.Annotations["tekton.dev/displayName"] != "Labelled" {
		t.Errorf("TaskRun annotations = %v, want the Task's", tr.Annotations)
	}
	pr := &v1.PipelineRun{}
	if err := itest.client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "embedded-run"}, pr); err != nil {
		t.Fatal(err)
	}
	if pr.Labels["tekton.dev/pipeline"] != "embedded-run" {
		t.Errorf("PipelineRun labels = %v, want tekton.dev/pipeline=embedded-run", pr.Labels)
	}
}
