package task

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TrimDone is a cache transform for TaskRuns: once a TaskRun is done, the
// reconcilers read only its conditions, results, pod name and spec.status,
// so the cache drops the bulky rest (the embedded and resolved task specs,
// step and sidecar states, the last-applied annotation). Completed runs
// pile up by the thousand; this keeps the controller's memory flat.
// Objects that are not done TaskRuns pass unchanged.
func TrimDone(obj any) (any, error) {
	tr, ok := obj.(*v1.TaskRun)
	if !ok || !tr.IsDone() {
		return obj, nil
	}
	tr.Spec.TaskSpec = nil
	tr.Status.TaskSpec = nil
	tr.Status.Steps = nil
	tr.Status.Sidecars = nil
	for i := range tr.Status.RetriesStatus {
		tr.Status.RetriesStatus[i].TaskSpec = nil
		tr.Status.RetriesStatus[i].Steps = nil
		tr.Status.RetriesStatus[i].Sidecars = nil
	}
	delete(tr.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	return tr, nil
}

// TrimServiceAccount is a cache transform for ServiceAccounts: the
// credentials of a pod (D8) need only a ServiceAccount's name, namespace
// and secret references, so the cache keeps nothing else. Other objects
// pass unchanged.
func TrimServiceAccount(obj any) (any, error) {
	sa, ok := obj.(*corev1.ServiceAccount)
	if !ok {
		return obj, nil
	}
	return &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{
			Name: sa.Name, Namespace: sa.Namespace, UID: sa.UID, ResourceVersion: sa.ResourceVersion,
		},
		Secrets: sa.Secrets,
	}, nil
}
