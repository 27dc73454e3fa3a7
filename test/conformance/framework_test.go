//go:build e2e

package conformance

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

var passed, failed atomic.Int64

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	fmt.Printf("conformance: %d passed, %d failed\n", passed.Load(), failed.Load())
	os.Exit(code)
}

// count records a row's outcome for the summary line.
func count(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			failed.Add(1)
		} else {
			passed.Add(1)
		}
	})
}

func newClient(t *testing.T) client.Client {
	t.Helper()
	path := os.Getenv("KUBECONFIG")
	if path == "" {
		t.Fatal("KUBECONFIG is not set: run make e2e")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// namespace creates a namespace for one row (deleted unless the row fails)
// and waits for its default ServiceAccount.
func namespace(t *testing.T, c client.Client, row string) string {
	t.Helper()
	name := fmt.Sprintf("conf-%s-%04d", row, rand.IntN(10000))
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			_ = c.Delete(context.Background(), ns)
		}
	})
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			sa := &corev1.ServiceAccount{}
			return c.Get(ctx, types.NamespacedName{Namespace: name, Name: "default"}, sa) == nil, nil
		})
	if err != nil {
		t.Fatalf("no default ServiceAccount in %s", name)
	}
	return name
}

// apply creates every object of a multi-document YAML in ns, as kubectl
// would (unstructured: unknown fields reach the API server). It returns
// the first error.
func apply(c client.Client, ns, docs string) error {
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			return fmt.Errorf("parsing: %w", err)
		}
		u.SetNamespace(ns)
		if err := c.Create(context.Background(), u); err != nil {
			return err
		}
	}
	return nil
}

// waitDone waits for the run's Succeeded condition to be True or False
// and returns the run.
func waitDone(c client.Client, ns, kind, name string, timeout time.Duration) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("tekton.dev/v1")
	u.SetKind(kind)
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, u); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			s, _, _ := condition(u)
			return s == "True" || s == "False", nil
		})
	return u, err
}

// condition returns the Succeeded condition's status, reason and message.
func condition(u *unstructured.Unstructured) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Succeeded" {
			status, _ = m["status"].(string)
			reason, _ = m["reason"].(string)
			message, _ = m["message"].(string)
		}
	}
	return status, reason, message
}

// results returns status.results as name → value (arrays and objects as
// compact JSON-ish strings from fmt).
func results(u *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	rs, _, _ := unstructured.NestedSlice(u.Object, "status", "results")
	for _, r := range rs {
		m, _ := r.(map[string]any)
		name, _ := m["name"].(string)
		switch v := m["value"].(type) {
		case string:
			out[name] = v
		default:
			out[name] = fmt.Sprint(v)
		}
	}
	return out
}
