package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// benchImage is the image every scenario runs; on the local cluster it
// resolves to the locally built busybox through the registry mirror.
const benchImage = "busybox"

// rawPod is the floor: a pod with the given number of containers running
// cmd. Like the pods Slipway makes (docs/design.md D9), only the first
// container pulls the image, unless pullEach: then every container does,
// as the kubelet would for an untagged image.
func rawPod(name string, containers int, pullEach bool, cmd ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever},
	}
	for i := range containers {
		c := corev1.Container{Name: fmt.Sprintf("c%d", i), Image: benchImage, Command: cmd}
		if i > 0 && !pullEach {
			c.ImagePullPolicy = corev1.PullIfNotPresent
		}
		p.Spec.Containers = append(p.Spec.Containers, c)
	}
	return p
}

func taskRun(name string, steps int, cmd ...string) *pipelinev1.TaskRun {
	tr := &pipelinev1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       pipelinev1.TaskRunSpec{TaskSpec: &pipelinev1.TaskSpec{}},
	}
	for i := range steps {
		tr.Spec.TaskSpec.Steps = append(tr.Spec.TaskSpec.Steps, pipelinev1.Step{
			Name: fmt.Sprintf("s%d", i), Image: benchImage, Command: cmd,
		})
	}
	return tr
}

// sample runs make n times, alternating nothing else, and collects durations.
func (cl *cluster) sample(ctx context.Context, n int, label string, make func(i int) (client.Object, client.ObjectList, func(runtime.Object) (bool, error))) (series, error) {
	s := series{name: label}
	for i := range n {
		obj, list, done := make(i)
		d, err := cl.timeToDone(ctx, obj, list, done)
		if err != nil {
			return s, fmt.Errorf("%s run %d: %w", label, i, err)
		}
		s.add(d)
		fmt.Printf("  %-28s run %2d: %v\n", label, i, d.Round(time.Millisecond))
	}
	return s, nil
}

func (cl *cluster) podSeries(ctx context.Context, n int, label string, containers int, pullEach bool, cmd ...string) (series, error) {
	return cl.sample(ctx, n, label, func(i int) (client.Object, client.ObjectList, func(runtime.Object) (bool, error)) {
		return rawPod(fmt.Sprintf("%s-%d", sanitize(label), i), containers, pullEach, cmd...), &corev1.PodList{}, podSucceeded
	})
}

func (cl *cluster) taskRunSeries(ctx context.Context, n int, label string, steps int, cmd ...string) (series, error) {
	return cl.sample(ctx, n, label, func(i int) (client.Object, client.ObjectList, func(runtime.Object) (bool, error)) {
		return taskRun(fmt.Sprintf("%s-%d", sanitize(label), i), steps, cmd...), &pipelinev1.TaskRunList{}, taskRunSucceeded
	})
}

func sanitize(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s)), "-")
}

// createAll creates objs with bounded parallelism and returns when all exist.
func (cl *cluster) createAll(ctx context.Context, objs []client.Object) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 64)
	)
	for _, o := range objs {
		wg.Add(1)
		sem <- struct{}{}
		o.SetNamespace(cl.ns)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := cl.c.Create(ctx, o); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d creates failed, first: %w", len(errs), errs[0])
	}
	return nil
}

// countUntil watches list in the namespace and reports on the returned
// channel once n distinct objects exist. A watch the apiserver breaks is
// reopened, and a List then counts what was added meanwhile.
func (cl *cluster) countUntil(ctx context.Context, list client.ObjectList, n int, timeout time.Duration, opts ...client.ListOption) (chan error, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	opts = append(opts, client.InNamespace(cl.ns))
	w, err := cl.c.Watch(ctx, list, opts...)
	if err != nil {
		cancel()
		return nil, err
	}
	res := make(chan error, 1)
	go func() {
		defer cancel()
		seen := map[string]bool{}
		for {
			broken := cl.drain(ctx, w, seen, n)
			w.Stop()
			if len(seen) >= n {
				res <- nil
				return
			}
			if !broken {
				res <- fmt.Errorf("saw %d of %d: %w", len(seen), n, ctx.Err())
				return
			}
			if w, err = cl.c.Watch(ctx, list, opts...); err != nil {
				time.Sleep(100 * time.Millisecond)
				w = watch.NewEmptyWatch()
			}
			l := list.DeepCopyObject().(client.ObjectList)
			if err := cl.c.List(ctx, l, opts...); err == nil {
				_ = meta.EachListItem(l, func(o runtime.Object) error {
					seen[o.(client.Object).GetName()] = true
					return nil
				})
			}
		}
	}()
	return res, nil
}

// drain records added objects until n are seen (false), the context ends
// (false) or the watch breaks (true).
func (cl *cluster) drain(ctx context.Context, w watch.Interface, seen map[string]bool, n int) bool {
	for len(seen) < n {
		select {
		case <-ctx.Done():
			return false
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Error {
				return true
			}
			if ev.Type == watch.Added {
				seen[ev.Object.(client.Object).GetName()] = true
			}
		}
	}
	return false
}

// setCordon marks every node (un)schedulable so that only the controller is
// measured: pods are created but stay Pending.
func (cl *cluster) setCordon(ctx context.Context, on bool) error {
	var nodes corev1.NodeList
	if err := cl.c.List(ctx, &nodes); err != nil {
		return err
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		patch := client.MergeFrom(n.DeepCopy())
		n.Spec.Unschedulable = on
		if err := cl.c.Patch(ctx, n, patch); err != nil {
			return fmt.Errorf("cordon=%v node %s: %w", on, n.Name, err)
		}
	}
	return nil
}

// waitAllDone waits until n TaskRuns in the namespace have a final condition.
func (cl *cluster) waitAllDone(ctx context.Context, n int, timeout time.Duration) error {
	return wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		var l pipelinev1.TaskRunList
		if err := cl.c.List(ctx, &l, client.InNamespace(cl.ns)); err != nil {
			return false, nil
		}
		done := 0
		for i := range l.Items {
			if l.Items[i].IsDone() {
				done++
			}
		}
		fmt.Printf("  %d/%d TaskRuns done\n", done, n)
		return done >= n, nil
	})
}
