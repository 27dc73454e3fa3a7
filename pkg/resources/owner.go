package resources

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ControllerRef is the one way Slipway makes an owner reference: owner
// (a tekton.dev/v1 TaskRun or PipelineRun, named by kind) controls the
// child and blocks its deletion until the child is gone (D5).
func ControllerRef(owner metav1.Object, kind string) metav1.OwnerReference {
	return *metav1.NewControllerRef(owner, v1.SchemeGroupVersion.WithKind(kind))
}

// MakeTaskRunPVC returns the PVC for TaskRun workspace binding b, which
// must have a volumeClaimTemplate, owned by the TaskRun.
func MakeTaskRunPVC(tr *v1.TaskRun, b v1.WorkspaceBinding) *corev1.PersistentVolumeClaim {
	t := b.VolumeClaimTemplate
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name: WorkspacePVCName(tr, b), Namespace: tr.Namespace,
			Labels: t.Labels, Annotations: t.Annotations,
			OwnerReferences: []metav1.OwnerReference{ControllerRef(tr, "TaskRun")},
		},
		Spec: *t.Spec.DeepCopy(),
	}
}
