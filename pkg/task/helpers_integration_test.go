package task

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	maybeSkip(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	if err := itest.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// setConfigKey sets key of the controller's slipway-config to value for
// the rest of the test, and removes it after.
func setConfigKey(t *testing.T, key string, value any) {
	t.Helper()
	set := func(v any) error {
		b, _ := json.Marshal(map[string]any{"data": map[string]any{key: v}})
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: controllerNamespace, Name: config.ConfigMapName}}
		return itest.client.Patch(context.Background(), cm, client.RawPatch(types.MergePatchType, b))
	}
	if err := set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set(nil) })
}

// apply creates the TaskRun or Task written as YAML in namespace ns.
func apply(t *testing.T, ns string, obj client.Object, doc string) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
		t.Fatalf("parsing test object: %v", err)
	}
	obj.SetNamespace(ns)
	if err := itest.client.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %s: %v", obj.GetName(), err)
	}
}

// eventually polls cond until it reports done, failing with its last
// description after a generous deadline.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, desc := cond()
		if ok {
			return
		}
		last = desc
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

func getTaskRun(t *testing.T, ns, name string) *v1.TaskRun {
	t.Helper()
	tr := &v1.TaskRun{}
	if err := itest.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// waitForReason waits until the TaskRun's Succeeded condition has reason.
func waitForReason(t *testing.T, ns, name, reason string) *v1.TaskRun {
	t.Helper()
	var tr *v1.TaskRun
	eventually(t, "TaskRun reason "+reason, func() (bool, string) {
		tr = getTaskRun(t, ns, name)
		c := tr.Status.GetCondition(apis.ConditionSucceeded)
		if c == nil {
			return false, "no condition"
		}
		return c.Reason == reason, string(c.Status) + " " + c.Reason + ": " + c.Message
	})
	return tr
}

// waitForPod waits until the pod exists.
func waitForPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	eventually(t, "pod "+name, func() (bool, string) {
		err := itest.client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, pod)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return pod
}

// podsOf lists the pods of a TaskRun.
func podsOf(t *testing.T, ns, tr string) []corev1.Pod {
	t.Helper()
	var list corev1.PodList
	err := itest.client.List(context.Background(), &list, client.InNamespace(ns), client.MatchingLabels{resources.LabelTaskRun: tr})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// terminated is a step container's state as the kubelet reports it after
// the shim wrote its termination message.
func terminated(code int32, term entrypoint.Termination) corev1.ContainerState {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, Message: string(term.Marshal()),
		StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
	}}
}

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
}

// setPodStatus writes pod status the way a kubelet would: a phase and one
// state per step container, in order.
func setPodStatus(t *testing.T, pod *corev1.Pod, phase corev1.PodPhase, states ...corev1.ContainerState) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "pod status written", func() (bool, string) {
		cur := &corev1.Pod{}
		if err := itest.client.Get(ctx, client.ObjectKeyFromObject(pod), cur); err != nil {
			return false, err.Error()
		}
		cur.Status.Phase = phase
		cur.Status.StartTime = &metav1.Time{Time: time.Now()}
		cur.Status.ContainerStatuses = nil
		for i, s := range states {
			c := cur.Spec.Containers[i]
			cur.Status.ContainerStatuses = append(cur.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, ImageID: "docker.io/library/" + c.Image + "@sha256:0",
				State: s, Ready: s.Running != nil, Started: ptrTo(s.Running != nil),
			})
		}
		err := itest.client.Status().Update(ctx, cur)
		if apierrors.IsConflict(err) {
			return false, err.Error()
		}
		if err != nil {
			t.Fatalf("updating pod status: %v", err)
		}
		return true, ""
	})
}

// touch changes an annotation of the TaskRun to trigger a reconcile.
func touch(t *testing.T, ns, name string) {
	t.Helper()
	tr := getTaskRun(t, ns, name)
	patch := client.MergeFrom(tr.DeepCopy())
	if tr.Annotations == nil {
		tr.Annotations = map[string]string{}
	}
	tr.Annotations["test/touch"] = time.Now().Format(time.RFC3339Nano)
	if err := itest.client.Patch(context.Background(), tr, patch); err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s = %q, want it to contain %q", what, got, want)
	}
}
