package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/pipeline"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// env is one apiserver with the PipelineRun controller, shared by the
// integration tests of this package.
type env struct {
	c      client.Client
	cancel context.CancelFunc
	stop   func()
}

var (
	envOnce sync.Once
	shared  *env
	envErr  error
)

func maybeSkip(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test skipped under -short")
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is unset; run with KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh)")
	}
}

func startEnv(t testing.TB) *env {
	maybeSkip(t)
	envOnce.Do(func() { shared, envErr = newEnv() })
	if envErr != nil {
		t.Fatalf("starting envtest: %v", envErr)
	}
	return shared
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func newEnv() (*env, error) {
	te := &envtest.Environment{
		CRDDirectoryPaths:     crdFiles(),
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := te.Start()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1beta1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return nil, err
	}
	remote := resolution.NewManager([]resolution.Resolver{slow})
	if err := pipeline.Setup(mgr, pipeline.Options{Workers: 4, Parallelism: 64, Remote: remote}); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = mgr.Start(ctx) }()
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		cancel()
		return nil, err
	}
	return &env{c: c, cancel: cancel, stop: func() { cancel(); _ = te.Stop() }}, nil
}

func crdFiles() []string {
	dir := filepath.Join(repoRoot(), "config")
	var out []string
	for _, n := range []string{"crd-tasks.yaml", "crd-taskruns.yaml", "crd-pipelines.yaml", "crd-pipelineruns.yaml", "crd-customruns.yaml"} {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// namespace creates a fresh namespace for one test.
func (e *env) namespace(t testing.TB) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-"}}
	if err := e.c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// createRun creates a PipelineRun from YAML in namespace ns.
func (e *env) createRun(t testing.TB, ns, doc string) *v1.PipelineRun {
	t.Helper()
	pr := &v1.PipelineRun{}
	if err := yaml.UnmarshalStrict([]byte(doc), pr); err != nil {
		t.Fatalf("parsing PipelineRun: %v", err)
	}
	pr.Namespace = ns
	if err := e.c.Create(context.Background(), pr); err != nil {
		t.Fatalf("creating PipelineRun: %v", err)
	}
	return pr
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) taskRun(ns, name string) (*v1.TaskRun, error) {
	tr := &v1.TaskRun{}
	err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, tr)
	return tr, client.IgnoreNotFound(err)
}

// waitCreated polls get until what exists and is ready; when it is still
// not created after 30 s, the test fails with the namespace's PipelineRuns.
func (e *env) waitCreated(t testing.TB, ns, what string, get func() (exists, ready bool, err error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	waitFor(t, what, time.Hour, func() (bool, error) {
		exists, ready, err := get()
		if err == nil && !exists && time.Now().After(deadline) {
			return false, fmt.Errorf("not created; PipelineRuns: %s", e.describe(ns))
		}
		return err == nil && exists && ready, err
	})
}

// waitTaskRun waits until TaskRun name exists and returns it.
func (e *env) waitTaskRun(t testing.TB, ns, name string) *v1.TaskRun {
	t.Helper()
	var tr *v1.TaskRun
	e.waitCreated(t, ns, "TaskRun "+name, func() (bool, bool, error) {
		var err error
		tr, err = e.taskRun(ns, name)
		// A held TaskRun (eager scheduling, D25) is not started yet: wait
		// for its release, as the TaskRun controller does.
		return tr.Name != "", !resources.IsHeld(tr), err
	})
	return tr
}

// finish fakes the TaskRun controller: it writes a final status.
func (e *env) finish(t testing.TB, tr *v1.TaskRun, ok bool, results map[string]string) {
	t.Helper()
	c := apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: "Succeeded"}
	if !ok {
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, "Failed", "step failed"
	}
	tr.Status.Conditions = duckv1.Conditions{c}
	for k, v := range results {
		tr.Status.Results = append(tr.Status.Results, v1.TaskRunResult{Name: k, Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues(v)})
	}
	if err := e.c.Status().Update(context.Background(), tr); err != nil {
		t.Fatalf("finishing TaskRun %s: %v", tr.Name, err)
	}
}

// waitDone waits for the PipelineRun to finish and returns it.
func (e *env) waitDone(t testing.TB, ns, name string) *v1.PipelineRun {
	t.Helper()
	pr := &v1.PipelineRun{}
	waitFor(t, "PipelineRun "+name+" to finish", 30*time.Second, func() (bool, error) {
		err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, pr)
		return err == nil && pr.IsDone(), client.IgnoreNotFound(err)
	})
	return pr
}

// describe summarizes the namespace's PipelineRuns for failure messages.
func (e *env) describe(ns string) string {
	list := &v1.PipelineRunList{}
	if err := e.c.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		return err.Error()
	}
	var out []string
	for i := range list.Items {
		out = append(out, list.Items[i].Name+": "+condition(&list.Items[i]))
	}
	return strings.Join(out, "; ")
}

func condition(pr *v1.PipelineRun) string {
	c := pr.Status.GetCondition(apis.ConditionSucceeded)
	if c == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s/%s: %s", c.Status, c.Reason, c.Message)
}
