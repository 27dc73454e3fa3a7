package archiver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// archiveStopped archives every step of pod that has terminated and is
// not archived yet, in the order of the pod's containers.
func (a *Archiver) archiveStopped(ctx context.Context, pod *corev1.Pod, loc logs.Location, key string) error {
	done, err := a.done(ctx, pod, loc)
	if err != nil {
		return err
	}
	terminated := map[string]bool{}
	for _, s := range pod.Status.ContainerStatuses {
		terminated[s.Name] = s.State.Terminated != nil
	}
	meta := metaOf(pod)
	for _, c := range pod.Spec.Containers {
		if !strings.HasPrefix(c.Name, stepPrefix) || !terminated[c.Name] || done[c.Name] {
			continue
		}
		if err := a.archiveOne(ctx, pod, loc, meta, key, c.Name); err != nil {
			return err
		}
		a.mark(pod, c.Name)
	}
	return nil
}

func (a *Archiver) archiveOne(ctx context.Context, pod *corev1.Pod, loc logs.Location, meta logs.Meta, key, container string) error {
	rc, err := a.logs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container}).Stream(ctx)
	if err != nil {
		return fmt.Errorf("reading the log of %s in pod %s: %w", container, pod.Name, err)
	}
	// What the step printed, without the results block its shim may have
	// left at the end (D22): the results are in the TaskRun's status.
	rc = entrypoint.FilterResults(rc)
	defer rc.Close()
	e, err := logs.Archive(ctx, a.store, loc, meta, key, container, rc)
	if err != nil {
		return err
	}
	ctrl.LoggerFrom(ctx).V(1).Info("log archived", "container", container, "bytes", e.Size, "archive", loc.String())
	return nil
}

func metaOf(pod *corev1.Pod) logs.Meta {
	m := logs.Meta{Namespace: pod.Namespace}
	if owner := metav1.GetControllerOf(pod); owner != nil {
		m.TaskRun, m.TaskRunUID = owner.Name, string(owner.UID)
	}
	m.PipelineRun = pod.Labels[resources.LabelPipelineRun]
	m.PipelineTask = pod.Labels[resources.LabelPipelineTask]
	return m
}

// podSet is what is archived of one pod.
type podSet struct {
	uid  types.UID
	done map[string]bool
}

func keyOf(pod *corev1.Pod) types.NamespacedName {
	return types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
}

// done returns the containers of pod already archived: remembered, or
// read from the store after a restart.
func (a *Archiver) done(ctx context.Context, pod *corev1.Pod, loc logs.Location) (map[string]bool, error) {
	a.mu.Lock()
	ps, ok := a.archived[keyOf(pod)]
	a.mu.Unlock()
	if ok && ps.uid == pod.UID {
		return maps.Clone(ps.done), nil
	}
	set := map[string]bool{}
	x, err := a.store.List(ctx, loc)
	switch {
	case errors.Is(err, logs.ErrNotFound):
	case err != nil:
		return nil, err
	case x.Meta.TaskRunUID == metaOf(pod).TaskRunUID:
		for _, e := range x.Entries {
			set[e.Container] = true
		}
	}
	a.mu.Lock()
	a.archived[keyOf(pod)] = podSet{uid: pod.UID, done: set}
	a.mu.Unlock()
	return maps.Clone(set), nil
}

func (a *Archiver) mark(pod *corev1.Pod, container string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ps, ok := a.archived[keyOf(pod)]
	if !ok || ps.uid != pod.UID {
		ps = podSet{uid: pod.UID, done: map[string]bool{}}
		a.archived[keyOf(pod)] = ps
	}
	ps.done[container] = true
}

func (a *Archiver) forget(key types.NamespacedName) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.archived, key)
}
