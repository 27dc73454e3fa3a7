package main

import (
	"context"
	"fmt"
	"os"
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

func newCluster(ctx context.Context, ns string) (*cluster, error) {
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
	cl := &cluster{c: c, ns: ns}
	return cl, cl.freshNamespace(ctx)
}

// freshNamespace deletes the bench namespace if present and creates it anew.
func (cl *cluster) freshNamespace(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cl.ns}}
	_ = cl.c.Delete(ctx, ns)
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		err := cl.c.Create(ctx, ns.DeepCopy())
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("recreating namespace %s: %w", cl.ns, err)
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

// cleanup deletes everything of a kind in the namespace, in the background.
func (cl *cluster) cleanup(ctx context.Context, obj client.Object) {
	_ = cl.c.DeleteAllOf(ctx, obj, client.InNamespace(cl.ns), client.PropagationPolicy(metav1.DeletePropagationBackground))
}
