//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
)

// env is what every e2e test needs: clients and a namespace of its own.
type env struct {
	t    *testing.T
	c    client.Client
	kube kubernetes.Interface
	ns   string
}

var scheme = runtime.NewScheme()

func init() {
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := pipelinev1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := slipwayv1alpha1.AddToScheme(scheme); err != nil {
		panic(err)
	}
}

// newEnv connects with $KUBECONFIG and creates a fresh namespace that is
// deleted when the test ends (kept on failure, for kubectl inspection).
func newEnv(t *testing.T) *env {
	t.Helper()
	path := os.Getenv("KUBECONFIG")
	if path == "" {
		t.Fatal("KUBECONFIG is not set: run `make e2e`, or `make up` and export KUBECONFIG=$(make -s kubeconfig | tail -1)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("loading kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatalf("creating client: %v", err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("creating clientset: %v", err)
	}
	name := fmt.Sprintf("e2e-%s-%04d", strings.ToLower(sanitize(t.Name())), rand.IntN(10000))
	if len(name) > 63 {
		name = name[len(name)-63:]
		name = strings.TrimLeft(name, "-")
	}
	e := &env{t: t, c: c, kube: kube, ns: name}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	e.waitForServiceAccount()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keeping namespace %s for inspection", name)
			return
		}
		_ = c.Delete(context.Background(), ns)
	})
	return e
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// waitForServiceAccount waits for the namespace's default ServiceAccount,
// which the kube-controller-manager creates shortly after the namespace.
func (e *env) waitForServiceAccount() {
	e.t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			var sa corev1.ServiceAccount
			err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "default"}, &sa)
			return err == nil, nil
		})
	if err != nil {
		e.t.Fatalf("default ServiceAccount in %s never appeared: %v", e.ns, err)
	}
}

// apply creates the object described by doc (YAML) in the test namespace.
func (e *env) apply(doc string, obj client.Object) {
	e.t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
		e.t.Fatalf("parsing fixture: %v\n%s", err, doc)
	}
	obj.SetNamespace(e.ns)
	if err := e.c.Create(context.Background(), obj); err != nil {
		e.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// waitTaskRunDone waits until the TaskRun's Succeeded condition is True or False.
func (e *env) waitTaskRunDone(name string, timeout time.Duration) *pipelinev1.TaskRun {
	e.t.Helper()
	var tr pipelinev1.TaskRun
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: name}, &tr); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			c := tr.Status.GetCondition(apis.ConditionSucceeded)
			return c != nil && !c.IsUnknown(), nil
		})
	if err != nil {
		e.t.Fatalf("TaskRun %s not done after %s: %v\nstatus: %s", name, timeout, err, e.dump(&tr.Status))
	}
	return &tr
}

// waitPipelineRunDone waits until the PipelineRun's Succeeded condition is True or False.
func (e *env) waitPipelineRunDone(name string, timeout time.Duration) *pipelinev1.PipelineRun {
	e.t.Helper()
	var pr pipelinev1.PipelineRun
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			if err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: name}, &pr); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			c := pr.Status.GetCondition(apis.ConditionSucceeded)
			return c != nil && !c.IsUnknown(), nil
		})
	if err != nil {
		e.t.Fatalf("PipelineRun %s not done after %s: %v\nstatus: %s", name, timeout, err, e.dump(&pr.Status))
	}
	return &pr
}

// waitFor polls cond until it holds or the timeout passes.
func (e *env) waitFor(what string, timeout time.Duration, cond func(ctx context.Context) (bool, error)) {
	e.t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, cond); err != nil {
		e.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// logs returns a container's logs from the real kubelet.
func (e *env) logs(pod, container string) string {
	e.t.Helper()
	req := e.kube.CoreV1().Pods(e.ns).GetLogs(pod, &corev1.PodLogOptions{Container: container})
	rc, err := req.Stream(context.Background())
	if err != nil {
		e.t.Fatalf("logs of %s/%s: %v", pod, container, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	_, _ = io.Copy(&b, rc)
	return b.String()
}

func (e *env) pod(name string) *corev1.Pod {
	e.t.Helper()
	var p corev1.Pod
	if err := e.c.Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: name}, &p); err != nil {
		e.t.Fatalf("getting pod %s: %v", name, err)
	}
	return &p
}

func (e *env) dump(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// wantCondition checks the Succeeded condition's status and reason.
func wantCondition(t *testing.T, s *apis.Condition, status corev1.ConditionStatus, reason string) {
	t.Helper()
	if s == nil {
		t.Fatalf("no Succeeded condition, want %s/%s", status, reason)
	}
	if s.Status != status || s.Reason != reason {
		t.Fatalf("Succeeded condition = %s/%s (%q), want %s/%s", s.Status, s.Reason, s.Message, status, reason)
	}
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
