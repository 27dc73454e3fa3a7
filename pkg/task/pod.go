package task

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/failure"
	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// stoppedDeadline is the activeDeadlineSeconds that stops a pod's
// containers now while keeping the pod and its logs (D4).
const stoppedDeadline int64 = 1

func timeoutOf(tr *v1.TaskRun) time.Duration {
	if tr == nil || tr.Spec.Timeout == nil {
		return 0
	}
	return tr.Spec.Timeout.Duration
}

// stopIfCancelledOrTimedOut finishes a cancelled or timed-out TaskRun and
// has its pod stopped once that is written. It reports whether it did.
func (r *Reconciler) stopIfCancelledOrTimedOut(ctx context.Context, rn *run) (bool, error) {
	tr := rn.tr
	var reason, msg string
	timeout := timeoutOf(rn.defaulted)
	switch {
	case tr.IsCancelled():
		reason = v1.TaskRunReasonCancelled.String()
		msg = fmt.Sprintf("TaskRun %q was cancelled", tr.Name)
		if tr.Spec.StatusMessage != "" {
			msg += ": " + string(tr.Spec.StatusMessage)
		}
	case timeout > 0 && r.clock.Since(tr.Status.StartTime.Time) >= timeout:
		reason = v1.TaskRunReasonTimedOut.String()
		msg = fmt.Sprintf("TaskRun %q failed to finish within %q", tr.Name, timeout.String())
	default:
		return false, nil
	}
	pod, err := r.currentPod(ctx, tr)
	if err != nil {
		return false, err
	}
	if pod != nil {
		rn.stop = pod
		ps := Status(pod, rn.spec, r.clock.Now(), nil)
		tr.Status.Steps, tr.Status.Sidecars = ps.Steps, ps.Sidecars
	}
	r.fail(tr, reason, msg)
	return true, nil
}

// currentPod returns the pod of the current attempt, or nil if there is
// none, asking the API server when the cache has not seen it.
func (r *Reconciler) currentPod(ctx context.Context, tr *v1.TaskRun) (*corev1.Pod, error) {
	pod, key := &corev1.Pod{}, attemptPodKey(tr)
	return podOrNil(pod, r.getFresh(ctx, key, pod), key.Name)
}

// cachedPod returns the current attempt's pod from the cache, or nil if
// the cache has none.
func (r *Reconciler) cachedPod(ctx context.Context, tr *v1.TaskRun) (*corev1.Pod, error) {
	pod, key := &corev1.Pod{}, attemptPodKey(tr)
	return podOrNil(pod, r.client.Get(ctx, key, pod), key.Name)
}

// attemptPodKey names the pod of tr's current attempt.
func attemptPodKey(tr *v1.TaskRun) types.NamespacedName {
	return types.NamespacedName{Namespace: tr.Namespace, Name: resources.PodName(tr.Name, len(tr.Status.RetriesStatus))}
}

// podOrNil turns a read's NotFound into no pod and wraps other errors.
func podOrNil(pod *corev1.Pod, err error, name string) (*corev1.Pod, error) {
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("getting pod %s: %w", name, err)
	}
	return pod, nil
}

// getFresh reads key from the cache, or from the API server when the
// cache has not seen it: the cache may lag behind an object created
// moments ago.
func (r *Reconciler) getFresh(ctx context.Context, key types.NamespacedName, obj client.Object) error {
	err := r.client.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		err = r.apiReader.Get(ctx, key, obj)
	}
	return err
}

// podFinished reports whether pod's containers have all stopped for good.
func podFinished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// stopPod lowers the pod's activeDeadlineSeconds so that the kubelet stops
// every container; the pod stays so its logs stay readable (D4).
func (r *Reconciler) stopPod(ctx context.Context, pod *corev1.Pod) error {
	if podFinished(pod) {
		return nil
	}
	if d := pod.Spec.ActiveDeadlineSeconds; d != nil && *d <= stoppedDeadline {
		return nil
	}
	patch := client.MergeFrom(pod.DeepCopy())
	pod.Spec.ActiveDeadlineSeconds = ptrTo(stoppedDeadline)
	if err := r.client.Patch(ctx, pod, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("stopping pod %s: %w", pod.Name, err)
	}
	ctrl.LoggerFrom(ctx).Info("pod stopped", "pod", pod.Name)
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// getOrCreatePod returns the current attempt's pod (rn.cached, looked up
// at the start of the pass), creating it and its volumeClaimTemplate PVCs
// when it does not exist yet.
func (r *Reconciler) getOrCreatePod(ctx context.Context, rn *run) (*corev1.Pod, error) {
	tr := rn.tr
	if rn.cached != nil {
		return r.owned(tr, rn.cached)
	}
	want, err := r.makePod(ctx, rn)
	if err != nil {
		return nil, err
	}
	if err := r.createPVCs(ctx, rn.defaulted); err != nil {
		return nil, err
	}
	pod, err := r.createPod(ctx, tr, want)
	rn.podCreated = err == nil && pod == want
	return pod, err
}

// makePod substitutes the spec, resolves image entrypoints and builds the pod.
func (r *Reconciler) makePod(ctx context.Context, rn *run) (*corev1.Pod, error) {
	retry := len(rn.tr.Status.RetriesStatus)
	values := substitution.TaskRunValues(rn.spec, rn.defaulted, substitution.TaskRunOptions{
		Retry:      retry,
		VolumeName: resources.WorkspaceVolumeName,
		ClaimName:  resources.WorkspacePVCName,
	})
	spec := substitution.ApplyStepResultPaths(substitution.ApplyToTaskSpec(rn.spec, values))
	if refs := substitution.Unresolved(spec); len(refs) > 0 {
		return nil, failure.User(v1.TaskRunReasonFailedValidation.String(), fmt.Errorf("unresolved variables: $(%s)", strings.Join(refs, "), $(")))
	}
	images, err := r.resolveImages(ctx, rn, spec)
	if err != nil {
		return nil, err
	}
	creds, err := r.credentials(ctx, rn)
	if err != nil {
		return nil, err
	}
	archive, err := logArchive(rn)
	if err != nil {
		return nil, err
	}
	pod, err := resources.MakePod(resources.PodInput{
		TaskRun: rn.defaulted, Spec: spec, Config: rn.cfg, Images: images, Retry: retry, Credentials: creds,
		LogArchive: archive, Held: resources.IsHeld(rn.tr),
	})
	if err != nil {
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), fmt.Errorf("translating TaskRun to a pod: %w", err))
	}
	return pod, nil
}

// logArchive is where the attempt's step logs go, nil when no archive is
// configured. All attempts of a TaskRun share one key; the pod carries it
// and the status copies it from the pod (applyPodStatus), so a key lost
// to a crash before the status write is never needed again.
func logArchive(rn *run) (*resources.LogArchive, error) {
	base := rn.cfg.LogArchiveRepository
	if base == "" {
		return nil, nil
	}
	if la := resources.LogArchiveOf(rn.tr.Status.Annotations); la != nil {
		return la, nil
	}
	key, err := logs.NewKey()
	if err != nil {
		return nil, err
	}
	return &resources.LogArchive{
		Repository: logs.Repository(base, rn.tr.Namespace, rn.tr.Name, rn.cfg.IsInsecure(base)),
		Key:        key,
	}, nil
}

// resolveImages looks up ENTRYPOINT/CMD for steps that give only an image.
func (r *Reconciler) resolveImages(ctx context.Context, rn *run, spec *v1.TaskSpec) (map[string]resources.ImageConfig, error) {
	refs := resources.ImagesToResolve(spec)
	if len(refs) == 0 {
		return nil, nil
	}
	tr := rn.defaulted
	var secrets []string
	if pt := tr.Spec.PodTemplate; pt != nil {
		for _, s := range pt.ImagePullSecrets {
			secrets = append(secrets, s.Name)
		}
	}
	out := make(map[string]resources.ImageConfig, len(refs))
	for _, ref := range refs {
		c, err := r.images.Entrypoint(ctx, image.Request{
			Image: ref, Namespace: tr.Namespace, ServiceAccount: tr.Spec.ServiceAccountName,
			PullSecrets: secrets, Mirrors: rn.cfg.RegistryMirrors, Insecure: rn.cfg.InsecureRegistries,
		})
		if err != nil {
			err = fmt.Errorf("looking up the entrypoint of image %q (a step gives no command): %w", ref, err)
			if image.IsPermanent(err) {
				return nil, failure.User(v1.TaskRunReasonImagePullFailed.String(), err)
			}
			return nil, err
		}
		out[ref] = resources.ImageConfig{Entrypoint: c.Entrypoint, Cmd: c.Cmd}
	}
	return out, nil
}

// createPVCs creates the PVCs of volumeClaimTemplate workspace bindings,
// owned by the TaskRun. Existing ones are kept.
func (r *Reconciler) createPVCs(ctx context.Context, tr *v1.TaskRun) error {
	for _, b := range tr.Spec.Workspaces {
		if b.VolumeClaimTemplate == nil {
			continue
		}
		err := r.client.Create(ctx, resources.MakeTaskRunPVC(tr, b))
		if err != nil && !apierrors.IsAlreadyExists(err) {
			if apierrors.IsInvalid(err) {
				return failure.User(v1.TaskRunReasonFailedValidation.String(), fmt.Errorf("workspace %q: volumeClaimTemplate: %w", b.Name, err))
			}
			return fmt.Errorf("creating PVC for workspace %q: %w", b.Name, err)
		}
	}
	return nil
}

// createPod creates pod; if it already exists (a stale cache, a repeated
// pass) the existing one is read back and adopted only if tr owns it (D5).
func (r *Reconciler) createPod(ctx context.Context, tr *v1.TaskRun, pod *corev1.Pod) (*corev1.Pod, error) {
	err := r.client.Create(ctx, pod)
	switch {
	case err == nil:
		ctrl.LoggerFrom(ctx).Info("pod created", "pod", pod.Name)
		return pod, nil
	case apierrors.IsAlreadyExists(err):
		existing := &corev1.Pod{}
		if err := r.apiReader.Get(ctx, client.ObjectKeyFromObject(pod), existing); err != nil {
			return nil, fmt.Errorf("reading back existing pod %s: %w", pod.Name, err)
		}
		return r.owned(tr, existing)
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), fmt.Errorf("creating pod %s: %w", pod.Name, err))
	}
	return nil, fmt.Errorf("creating pod %s: %w", pod.Name, err)
}

func (r *Reconciler) owned(tr *v1.TaskRun, pod *corev1.Pod) (*corev1.Pod, error) {
	if !metav1.IsControlledBy(pod, tr) {
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), errors.New("pod "+pod.Name+" already exists and is not controlled by this TaskRun: delete it or rename the TaskRun"))
	}
	return pod, nil
}
