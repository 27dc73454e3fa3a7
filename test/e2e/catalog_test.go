//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// catalogRunTimeout bounds one catalog test run (a kaniko build included).
const catalogRunTimeout = 5 * time.Minute

// gitServerPlaceholder is what catalog tests write for the test git server's
// <node IP>:<port> (see hack/gitserver.sh).
const gitServerPlaceholder = "SLIPWAY_GIT_SERVER"

// catalogChecks are the checks a catalog entry's tests/run.yaml cannot make
// itself, by entry (path below catalog/ without the version).
var catalogChecks = map[string]func(e *env, pr *pipelinev1.PipelineRun){
	"pipeline/source-to-url": checkSourceToURLTest,
}

// TestCatalog runs every catalog entry's tests/run.yaml in a namespace of its
// own with the whole catalog and the kservice-deploy RBAC installed, and the
// test git server's address in place of SLIPWAY_GIT_SERVER. Every run in it
// must succeed; the runs check their own results, catalogChecks add the rest.
func TestCatalog(t *testing.T) {
	t.Parallel()
	skipWithoutKnative(t)
	root := repoRoot(t)
	tests := catalogTests(t, root)
	if len(tests) == 0 {
		t.Fatal("no catalog/**/tests/run.yaml found")
	}
	for _, run := range tests {
		entry := filepath.Dir(filepath.Dir(run)) // catalog/<kind>/<name>/<version>
		name, err := filepath.Rel(filepath.Join(root, "catalog"), entry)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.installCatalog(root)
			for _, pr := range e.createRuns(run) {
				if check := catalogChecks[filepath.Dir(name)]; check != nil {
					check(e, pr)
				}
			}
		})
	}
}

// checkSourceToURLTest fetches the URL result through the test ingress.
func checkSourceToURLTest(e *env, pr *pipelinev1.PipelineRun) {
	url, rev := pipelineResult(pr, "URL"), pipelineResult(pr, "REVISION")
	if !strings.HasPrefix(rev, "source-to-url-test-") {
		e.t.Errorf("REVISION = %q, want source-to-url-test-<commit>", rev)
	}
	if img := pipelineResult(pr, "IMAGE"); !strings.Contains(img, "@sha256:") {
		e.t.Errorf("IMAGE = %q, want a digest reference", img)
	}
	if got := e.fetchURL(url); !strings.Contains(got, "Hello from Slipway v1") {
		e.t.Errorf("%s serves %q, want the sample app's v1 page", url, got)
	}
}

// skipWithoutKnative skips Knative-dependent tests when make up was told not
// to install Knative (SLIPWAY_KNATIVE=0); otherwise they must run.
func skipWithoutKnative(t *testing.T) {
	t.Helper()
	if os.Getenv("SLIPWAY_KNATIVE") == "0" {
		t.Skip("SLIPWAY_KNATIVE=0: Knative Serving is not installed")
	}
}

// repoRoot is the repository root (go test runs in test/e2e).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "catalog")); err != nil {
		t.Fatalf("no catalog/ in %s: %v", root, err)
	}
	return root
}

// catalogTests lists catalog/**/tests/run.yaml.
func catalogTests(t *testing.T, root string) []string {
	t.Helper()
	var runs []string
	err := filepath.WalkDir(filepath.Join(root, "catalog"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "run.yaml" && filepath.Base(filepath.Dir(p)) == "tests" {
			runs = append(runs, p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walking catalog/: %v", err)
	}
	return runs
}

// catalogResources lists the catalog's Tasks and Pipelines:
// catalog/<kind>/<name>/<version>/*.yaml.
func catalogResources(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "catalog", "*", "*", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog resources in %s (%v)", root, err)
	}
	return files
}

// installCatalog applies every catalog Task and Pipeline to the namespace
// (pipelines need the tasks), and what kservice-deploy needs
// (config/deploy-rbac): the ClusterRole, and the ServiceAccount
// kservice-deployer bound to it in this namespace.
func (e *env) installCatalog(root string) {
	e.t.Helper()
	for _, f := range catalogResources(e.t, root) {
		for _, o := range e.readObjects(f) {
			e.create(o)
		}
	}
	for _, o := range e.readObjects(filepath.Join(root, "config", "deploy-rbac", "rbac.yaml")) {
		if o.GetKind() == "ClusterRole" {
			e.createOrUpdateClusterScoped(o)
			continue
		}
		if o.GetKind() == "RoleBinding" {
			setSubjectNamespaces(e.t, o, e.ns)
		}
		e.create(o)
	}
}

func setSubjectNamespaces(t *testing.T, o *unstructured.Unstructured, ns string) {
	subjects, _, err := unstructured.NestedSlice(o.Object, "subjects")
	if err != nil {
		t.Fatalf("RoleBinding %s subjects: %v", o.GetName(), err)
	}
	for _, s := range subjects {
		if m, ok := s.(map[string]any); ok && m["kind"] == "ServiceAccount" {
			m["namespace"] = ns
		}
	}
	if err := unstructured.SetNestedSlice(o.Object, subjects, "subjects"); err != nil {
		t.Fatal(err)
	}
}

// readObjects parses a multi-document YAML file, replacing the git server
// placeholder first.
func (e *env) readObjects(path string) []*unstructured.Unstructured {
	e.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if bytes.Contains(data, []byte(gitServerPlaceholder)) {
		data = bytes.ReplaceAll(data, []byte(gitServerPlaceholder), []byte(gitServer(e.t)))
	}
	var objs []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			e.t.Fatalf("reading %s: %v", path, err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			e.t.Fatalf("parsing %s: %v", path, err)
		}
		if len(m) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

// create creates o in the test namespace.
func (e *env) create(o *unstructured.Unstructured) {
	e.t.Helper()
	o.SetNamespace(e.ns)
	if err := e.c.Create(context.Background(), o); err != nil {
		e.t.Fatalf("creating %s %s%s: %v", o.GetKind(), o.GetName(), o.GetGenerateName(), err)
	}
}

// createOrUpdateClusterScoped creates a cluster-scoped object, or replaces
// the existing one (tests running in parallel share it).
func (e *env) createOrUpdateClusterScoped(o *unstructured.Unstructured) {
	e.t.Helper()
	ctx := context.Background()
	err := e.c.Create(ctx, o)
	if err == nil || !isAlreadyExists(err) {
		if err != nil {
			e.t.Fatalf("creating %s %s: %v", o.GetKind(), o.GetName(), err)
		}
		return
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(o.GroupVersionKind())
	if err := e.c.Get(ctx, client.ObjectKeyFromObject(o), cur); err != nil {
		e.t.Fatalf("getting %s %s: %v", o.GetKind(), o.GetName(), err)
	}
	o.SetResourceVersion(cur.GetResourceVersion())
	if err := e.c.Update(ctx, o); err != nil && !isConflict(err) {
		e.t.Fatalf("updating %s %s: %v", o.GetKind(), o.GetName(), err)
	}
}

// createRuns creates every object of a tests/run.yaml and waits until each
// PipelineRun and TaskRun in it succeeded. It returns the PipelineRuns.
func (e *env) createRuns(path string) []*pipelinev1.PipelineRun {
	e.t.Helper()
	var prs []*pipelinev1.PipelineRun
	var runs []*unstructured.Unstructured
	for _, o := range e.readObjects(path) {
		e.create(o)
		if o.GetKind() == "PipelineRun" || o.GetKind() == "TaskRun" {
			runs = append(runs, o)
		}
	}
	if len(runs) == 0 {
		e.t.Fatalf("%s has no PipelineRun or TaskRun", path)
	}
	for _, o := range runs {
		if o.GetKind() == "TaskRun" {
			tr := e.waitTaskRunDone(o.GetName(), catalogRunTimeout)
			e.wantSucceeded(o, tr.Status.GetCondition(apis.ConditionSucceeded))
			continue
		}
		pr := e.waitPipelineRunDone(o.GetName(), catalogRunTimeout)
		e.wantSucceeded(o, pr.Status.GetCondition(apis.ConditionSucceeded))
		e.t.Logf("%s %s succeeded in %s", o.GetKind(), o.GetName(), runDuration(pr.Status.StartTime, pr.Status.CompletionTime))
		prs = append(prs, pr)
	}
	return prs
}

// wantSucceeded fails the test unless c is Succeeded=True, with the logs of
// the namespace's failed TaskRuns.
func (e *env) wantSucceeded(o *unstructured.Unstructured, c *apis.Condition) {
	e.t.Helper()
	if c != nil && c.IsTrue() {
		return
	}
	e.t.Fatalf("%s %s did not succeed: %s\n%s", o.GetKind(), o.GetName(), e.dump(c), e.failedTaskRunLogs())
}

// failedTaskRunLogs collects the step logs of the namespace's failed TaskRuns.
func (e *env) failedTaskRunLogs() string {
	var trs pipelinev1.TaskRunList
	if err := e.c.List(context.Background(), &trs, client.InNamespace(e.ns)); err != nil {
		return fmt.Sprintf("listing TaskRuns: %v", err)
	}
	var b strings.Builder
	for _, tr := range trs.Items {
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		if c == nil || !c.IsFalse() || tr.Status.PodName == "" {
			continue
		}
		fmt.Fprintf(&b, "--- TaskRun %s: %s\n", tr.Name, c.Message)
		var pod corev1.Pod
		if err := e.c.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: tr.Status.PodName}, &pod); err != nil {
			continue
		}
		for _, ctr := range pod.Spec.Containers {
			req := e.kube.CoreV1().Pods(e.ns).GetLogs(pod.Name, &corev1.PodLogOptions{Container: ctr.Name})
			if out, err := req.DoRaw(context.Background()); err == nil {
				fmt.Fprintf(&b, "[%s]\n%s", ctr.Name, out)
			}
		}
	}
	return b.String()
}

func pipelineResult(pr *pipelinev1.PipelineRun, name string) string {
	for _, r := range pr.Status.Results {
		if r.Name == name {
			return r.Value.StringVal
		}
	}
	return ""
}

// runDuration is end - start, or "?" when either is missing.
func runDuration(start, end *metav1.Time) string {
	if start == nil || end == nil {
		return "?"
	}
	return end.Sub(start.Time).Round(10 * time.Millisecond).String()
}

func isAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }
func isConflict(err error) bool      { return apierrors.IsConflict(err) }

// gitServer is the test git server's <node IP>:<port>: $SLIPWAY_GIT_SERVER,
// or what hack/gitserver.sh wrote to the state directory.
func gitServer(t *testing.T) string {
	t.Helper()
	return gitServerEnv(t, "SLIPWAY_GIT_SERVER")
}

// gitRoot is the directory whose repositories the test git server serves.
func gitRoot(t *testing.T) string {
	t.Helper()
	return gitServerEnv(t, "SLIPWAY_GIT_ROOT")
}

func gitServerEnv(t *testing.T, key string) string {
	t.Helper()
	if v := os.Getenv(key); v != "" {
		return v
	}
	state := os.Getenv("SLIPWAY_STATE")
	if state == "" {
		state = "/var/lib/slipway-cluster"
	}
	f := filepath.Join(state, "gitserver.env")
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatalf("%s unset and no %s (is the test git server running? make up starts it): %v", key, f, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	t.Fatalf("%s unset and missing from %s", key, f)
	return ""
}

// ingressClient sends every request to the test ingress on the node's port
// 80, whatever the URL's host (*.localhost, no DNS): the host still selects
// the route through the Host header.
var ingressClient = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:80")
		},
		DisableKeepAlives: true,
	},
}

// fetchURL GETs url through the test ingress and returns the body; it
// retries for a while on errors and non-200 answers.
func (e *env) fetchURL(url string) string {
	e.t.Helper()
	var body string
	e.waitFor("GET "+url, 30*time.Second, func(ctx context.Context) (bool, error) {
		b, err := get(ctx, url)
		body = b
		return err == nil, nil
	})
	return body
}

func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := ingressClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}
