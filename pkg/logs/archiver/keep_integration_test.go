package archiver

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/logs"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// finishedPod creates a pod of TaskRun tr in pipeline pipeline, as the
// TaskRun controller makes it, and marks both its steps terminated.
func finishedPod(t *testing.T, ns, tr, uid, pipeline string, annotations map[string]string) (*corev1.Pod, logs.Location, string) {
	return podThat(t, ns, tr, uid, pipeline, annotations, true)
}

// podThat creates the pod, as finishedPod does; unless ran, it is deleted
// before any step started.
func podThat(t *testing.T, ns, tr, uid, pipeline string, annotations map[string]string, ran bool) (*corev1.Pod, logs.Location, string) {
	t.Helper()
	ctx := context.Background()
	key, err := logs.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	repo := logs.Repository(itest.host+"/slipway-logs", ns, tr, true)
	ann := map[string]string{resources.AnnotationLogArchive: repo, resources.AnnotationLogKey: key}
	for k, v := range annotations {
		ann[k] = v
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: tr + "-pod", Namespace: ns, Annotations: ann,
		Finalizers: []string{resources.FinalizerLogArchive},
		Labels: map[string]string{resources.LabelTaskRun: tr, resources.LabelPipelineRun: tr + "-run",
			resources.LabelPipelineTask: "build", resources.LabelPipeline: pipeline},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "TaskRun", Name: tr, UID: types.UID(uid),
			Controller: ptr(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "step-a", Image: "busybox"}, {Name: "step-b", Image: "busybox"}}}}
	if err := itest.c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if !ran {
		if err := itest.c.Delete(ctx, pod); err != nil {
			t.Fatal(err)
		}
		return pod, logs.Location{Repository: repo, Tag: pod.Name}, key
	}
	finish := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	pod.Status.Phase = corev1.PodSucceeded
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{StartedAt: finish, FinishedAt: finish}}})
	}
	if err := itest.c.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	return pod, logs.Location{Repository: repo, Tag: pod.Name}, key
}

func ptr[T any](v T) *T { return &v }

// eventually polls cond for 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func released(t *testing.T, pod *corev1.Pod) {
	eventually(t, "the pod's log finalizer to go", func() bool {
		p := &corev1.Pod{}
		err := itest.c.Get(context.Background(), client.ObjectKeyFromObject(pod), p)
		return err == nil && !controllerutil.ContainsFinalizer(p, resources.FinalizerLogArchive)
	})
}

// TestLogsKeptAfterTheirRun: with prune-logs-ttl, a LogArchive keeps a
// pod's logs readable after its run until it expires; then the expiry
// deletes the archive and the LogArchive. A policy of 0 keeps none.
func TestLogsKeptAfterTheirRun(t *testing.T) {
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
	ctx := context.Background()
	pod, loc, key := finishedPod(t, "default", "kept", "kept-uid", "ci", nil)
	released(t, pod)
	a := &slipwayv1alpha1.LogArchive{}
	if err := itest.c.Get(ctx, client.ObjectKeyFromObject(pod), a); err != nil {
		t.Fatalf("no LogArchive for the pod: %v", err)
	}
	finished := pod.Status.ContainerStatuses[1].State.Terminated.FinishedAt.Time
	if got, want := slipwayv1alpha1.ExpiresOf(a), finished.Add(time.Hour); !got.Equal(want) {
		t.Errorf("expires %v, want %v (1 h after the last step stopped)", got, want)
	}
	if a.Spec.Key != key || a.Spec.Tag != pod.Name || a.Spec.TaskRun != "kept" || len(a.Spec.Steps) != 2 || a.Spec.PipelineTask != "build" {
		t.Errorf("LogArchive spec = %+v", a.Spec)
	}
	rc, err := logs.Read(ctx, itest.store, logs.Location{Repository: a.Spec.Repository, Tag: a.Spec.Tag}, a.Spec.Key, "step-b")
	if err != nil {
		t.Fatalf("reading the log through the LogArchive: %v", err)
	}
	b, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(b) != "fake logs" {
		t.Errorf("log = %q, want the pod's", b)
	}

	patch := client.MergeFrom(a.DeepCopy())
	a.Annotations[slipwayv1alpha1.AnnotationExpires] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	if err := itest.c.Patch(ctx, a, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the expired LogArchive to go", func() bool {
		return apierrors.IsNotFound(itest.c.Get(ctx, client.ObjectKeyFromObject(a), &slipwayv1alpha1.LogArchive{}))
	})
	if _, err := itest.store.List(ctx, loc); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("the archive of expired logs: List = %v, want it deleted", err)
	}
}

func TestLogsNotKept(t *testing.T) {
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
	for _, tc := range []struct {
		name, tr, pipeline string
		annotations        map[string]string
		ran                bool
	}{
		{"a policy of 0 for its pipeline", "short", "short", nil, true},
		{"the run's annotation of 0", "annotated", "ci", map[string]string{"slipway.dev/prune-logs-ttl": "0s"}, true},
		{"no step ran", "deleted-early", "ci", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod, loc, _ := podThat(t, "default", tc.tr, tc.tr+"-uid", tc.pipeline, tc.annotations, tc.ran)
			ctx := context.Background()
			if tc.ran {
				released(t, pod)
				if x, err := itest.store.List(ctx, loc); err != nil || len(x.Entries) != 2 {
					t.Errorf("archive = %+v, %v; want both steps archived", x, err)
				}
			} else {
				eventually(t, "the pod to go", func() bool {
					return apierrors.IsNotFound(itest.c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{}))
				})
			}
			err := itest.c.Get(ctx, client.ObjectKeyFromObject(pod), &slipwayv1alpha1.LogArchive{})
			if !apierrors.IsNotFound(err) {
				t.Errorf("LogArchive: %v, want none", err)
			}
		})
	}
}

// TestLogsKeptForARecreatedRun: a TaskRun deleted and made again under its
// name replaces its archive (D19), and so its LogArchive.
func TestLogsKeptForARecreatedRun(t *testing.T) {
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
	ctx := context.Background()
	for i, uid := range []string{"first-uid", "second-uid"} {
		pod, _, key := finishedPod(t, "default", "again", uid, "ci", nil)
		released(t, pod)
		a := &slipwayv1alpha1.LogArchive{}
		if err := itest.c.Get(ctx, client.ObjectKeyFromObject(pod), a); err != nil {
			t.Fatalf("run %d: no LogArchive: %v", i, err)
		}
		if string(a.Spec.TaskRunUID) != uid || a.Spec.Key != key {
			t.Errorf("run %d: LogArchive of TaskRun %s, want %s (and its key)", i, a.Spec.TaskRunUID, uid)
		}
		if err := itest.c.Delete(ctx, pod); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the pod to go", func() bool {
			return apierrors.IsNotFound(itest.c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{}))
		})
	}
}
