package archiver

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// keep writes the LogArchive of pod's attempt when its run's logs have a
// policy of their own (prune-logs-ttl), so that they stay readable after
// the TaskRun is deleted, until they expire (D28). A LogArchive of an
// earlier TaskRun of the same name is replaced, as its archive was.
func (a *Archiver) keep(ctx context.Context, pod *corev1.Pod, la resources.LogArchive) error {
	ttl, err := a.logsTTL(ctx, pod)
	if err != nil || ttl == 0 {
		return err
	}
	want := resources.MakeLogArchive(pod, a.taskRunOf(ctx, pod), la, ttl, a.now())
	err = a.client.Create(ctx, want)
	if !apierrors.IsAlreadyExists(err) {
		return wrapKeep(pod, err)
	}
	have := &slipwayv1alpha1.LogArchive{}
	if err := a.client.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: want.Name}, have); err != nil {
		return wrapKeep(pod, err)
	}
	if have.Spec.TaskRunUID == want.Spec.TaskRunUID {
		return nil
	}
	want.ResourceVersion = have.ResourceVersion
	return wrapKeep(pod, a.client.Update(ctx, want))
}

func wrapKeep(pod *corev1.Pod, err error) error {
	if err != nil {
		return fmt.Errorf("keeping the logs of pod %s after its run: %w", pod.Name, err)
	}
	return nil
}

// logsTTL is how long pod's logs are kept after its run: the pruning
// policy of the run's Pipeline (or Task), with the run's annotations (on
// its pod) over it. A bad annotation is reported and keeps nothing more.
func (a *Archiver) logsTTL(ctx context.Context, pod *corev1.Pod) (time.Duration, error) {
	cfg, err := cluster.Load(ctx, a.client, a.namespace)
	if err != nil {
		return 0, err
	}
	kind, group := "TaskRun", pod.Labels[resources.LabelTask]
	if pod.Labels[resources.LabelPipelineRun] != "" {
		kind, group = "PipelineRun", pod.Labels[resources.LabelPipeline]
	}
	p, err := cfg.PruningFor(kind, pod.Namespace, group, pod.Labels).Over(pod.Annotations)
	if err != nil {
		a.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "InvalidPruning", "Archive", "%v", err)
		return 0, nil
	}
	return p.LogsTTL, nil
}

// taskRunOf returns pod's TaskRun from the cache, nil if it is gone.
func (a *Archiver) taskRunOf(ctx context.Context, pod *corev1.Pod) *v1.TaskRun {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return nil
	}
	tr := &v1.TaskRun{}
	if err := a.client.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: owner.Name}, tr); err != nil || tr.UID != owner.UID {
		return nil
	}
	return tr
}
