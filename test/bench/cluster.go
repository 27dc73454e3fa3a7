package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// cluster wraps the client and the bench namespace.
type cluster struct {
	c  client.WithWatch
	ns string
}

func newCluster(ctx context.Context, prefix string) (*cluster, error) {
	path := os.Getenv("KUBECONFIG")
	if path == "" {
		return nil, fmt.Errorf("KUBECONFIG is not set (make bench sets it)")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := pipelinev1.AddToScheme(s); err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("creating client: %w", err)
	}
	cl := &cluster{c: c, ns: fmt.Sprintf("%s-%d", prefix, time.Now().Unix())}
	return cl, cl.freshNamespace(ctx, prefix)
}

// benchNamespacePrefix starts the name of every bench namespace.
const benchNamespacePrefix = "slipway-bench"

// freshNamespace waits until the namespaces of earlier runs are gone, then
// creates this run's. The name is new each run: for 30 s after it sees a
// namespace terminating, the API server's NamespaceLifecycle admission
// looks that name up live on every request, which would load the API
// server during the first scenario.
func (cl *cluster) freshNamespace(ctx context.Context, prefix string) error {
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		var l corev1.NamespaceList
		if err := cl.c.List(ctx, &l); err != nil {
			return false, nil
		}
		left := 0
		for i := range l.Items {
			if n := &l.Items[i]; strings.HasPrefix(n.Name, prefix) {
				left++
				if n.DeletionTimestamp == nil {
					_ = cl.c.Delete(ctx, n)
				}
			}
		}
		return left == 0, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for earlier bench namespaces to go: %w", err)
	}
	if err := cl.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cl.ns}}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", cl.ns, err)
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var sa corev1.ServiceAccount
		return cl.c.Get(ctx, types.NamespacedName{Namespace: cl.ns, Name: "default"}, &sa) == nil, nil
	})
}

// timeToDone creates obj and returns the time until done(obj) holds,
// observed through a watch opened before the create. A watch that breaks
// (the apiserver answers 504 while its watch cache catches up) is opened
// again after checking the object with a GET, so no transition is missed.
func (cl *cluster) timeToDone(ctx context.Context, obj client.Object, list client.ObjectList, done func(runtime.Object) (bool, error)) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	w, err := cl.watchOne(ctx, list, obj.GetName())
	if err != nil {
		return 0, err
	}
	obj.SetNamespace(cl.ns)
	start := time.Now()
	if err := cl.c.Create(ctx, obj); err != nil {
		w.Stop()
		return 0, fmt.Errorf("creating %s: %w", obj.GetName(), err)
	}
	for {
		ok, err := waitOnWatch(ctx, w, done)
		w.Stop()
		if err != nil || ok {
			if err != nil {
				err = fmt.Errorf("%s: %w", obj.GetName(), err)
			}
			return time.Since(start), err
		}
		// the watch broke: look, then watch again
		cur := obj.DeepCopyObject().(client.Object)
		if err := cl.c.Get(ctx, client.ObjectKeyFromObject(obj), cur); err == nil {
			if ok, err := done(cur); ok || err != nil {
				return time.Since(start), err
			}
		}
		if w, err = cl.watchOne(ctx, list, obj.GetName()); err != nil {
			return 0, err
		}
	}
}

func (cl *cluster) watchOne(ctx context.Context, list client.ObjectList, name string) (watch.Interface, error) {
	for {
		w, err := cl.c.Watch(ctx, list, client.InNamespace(cl.ns),
			client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.name", name)})
		if err == nil {
			return w, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("watching %s: %w", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitOnWatch returns (true, nil) once done holds, (false, nil) when the
// watch broke and should be reopened, or an error.
func waitOnWatch(ctx context.Context, w watch.Interface, done func(runtime.Object) (bool, error)) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Error {
				return false, nil
			}
			if ok, err := done(ev.Object); ok || err != nil {
				return ok, err
			}
		}
	}
}

// podSucceeded is done() for raw Pods.
func podSucceeded(o runtime.Object) (bool, error) {
	p := o.(*corev1.Pod)
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		return true, nil
	case corev1.PodFailed:
		return false, fmt.Errorf("pod failed: %s %s", p.Status.Reason, p.Status.Message)
	}
	return false, nil
}

// taskRunSucceeded is done() for TaskRuns.
func taskRunSucceeded(o runtime.Object) (bool, error) {
	tr := o.(*pipelinev1.TaskRun)
	c := tr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case c == nil || c.IsUnknown():
		return false, nil
	case c.IsTrue():
		return true, nil
	}
	return false, fmt.Errorf("TaskRun failed: %s: %s", c.Reason, c.Message)
}

// runScenario runs fn, optionally with the node cordoned, then deletes
// what it made and waits until it is gone, so that no scenario pays for
// the previous one's leftovers. The node is uncordoned only after the
// cleanup, or Pending pods would start.
func (cl *cluster) runScenario(ctx context.Context, cordon bool, fn func() error) error {
	if cordon {
		if err := cl.setCordon(ctx, true); err != nil {
			return err
		}
		defer func() { _ = cl.setCordon(context.Background(), false) }()
	}
	err := fn()
	if cerr := cl.cleanup(ctx); cerr != nil {
		fmt.Fprintf(os.Stderr, "cleanup: %v\n", cerr)
	}
	return err
}

// cleanup deletes the runs and pods in the namespace and waits until no
// pod is left.
func (cl *cluster) cleanup(ctx context.Context) error {
	deleteAll := func() {
		for _, obj := range []client.Object{&pipelinev1.PipelineRun{}, &pipelinev1.TaskRun{}, &corev1.Pod{}} {
			_ = cl.c.DeleteAllOf(ctx, obj, client.InNamespace(cl.ns), client.PropagationPolicy(metav1.DeletePropagationBackground))
		}
	}
	deleteAll()
	polls := 0
	return wait.PollUntilContextTimeout(ctx, time.Second, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		// A collection delete of 10,000 objects can end before all are
		// gone (its request times out); ask again every 15 s.
		if polls++; polls%15 == 0 {
			deleteAll()
		}
		var pods corev1.PodList
		var trs pipelinev1.TaskRunList
		if err := cl.c.List(ctx, &pods, client.InNamespace(cl.ns)); err != nil {
			return false, nil
		}
		if err := cl.c.List(ctx, &trs, client.InNamespace(cl.ns)); err != nil {
			return false, nil
		}
		return len(pods.Items) == 0 && len(trs.Items) == 0, nil
	})
}

// deleteNamespace removes this run's namespace without waiting.
func (cl *cluster) deleteNamespace(ctx context.Context) {
	_ = cl.c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cl.ns}})
}
