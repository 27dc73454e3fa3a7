package archiver

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// keep writes the LogArchive of pod's attempt when its run's logs have a
// policy of their own (prune-logs-ttl), so that they stay readable after
// the TaskRun is deleted, until they expire (D28). A LogArchive of an
// earlier TaskRun of the same name is replaced, as its archive was. What
// no retry can mend (an invalid policy, no LogArchive kind installed) is
// reported and keeps nothing: the pod is not held for it.
func (a *Archiver) keep(ctx context.Context, pod *corev1.Pod, la resources.LogArchive) error {
	ttl, err := a.logsTTL(ctx, pod)
	if err != nil || ttl == 0 {
		return err
	}
	want := resources.MakeLogArchive(pod, a.taskRunOf(ctx, pod), la, ttl, a.now())
	if len(want.Spec.Steps) == 0 {
		return nil // no step ran (a pod deleted before it started): no log to keep
	}
	err = a.client.Create(ctx, want)
	if meta.IsNoMatchError(err) {
		a.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "LogsNotKept", "Archive",
			"prune-logs-ttl is set but the LogArchive kind is not installed (config/crd-logarchives.yaml): %v", err)
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return wrapKeep(pod, err)
	}
	// From the API server: a cached read would keep every LogArchive, and
	// its key, in the controller's memory (the expiry watches metadata only).
	have := &slipwayv1alpha1.LogArchive{}
	if err := a.reader.Get(ctx, types.NamespacedName{Namespace: pod.Namespace, Name: want.Name}, have); err != nil {
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
// policy that matches the run (its Pipeline or Task, namespace, labels),
// with the run's annotations over it, both as its pod carries them. A bad
// setting is reported and keeps nothing more.
func (a *Archiver) logsTTL(ctx context.Context, pod *corev1.Pod) (time.Duration, error) {
	cfg, err := cluster.Load(ctx, a.client, a.namespace)
	if err != nil {
		a.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "LogsNotKept", "Archive", "reading prune-logs-ttl: %v", err)
		return 0, nil
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
