package resources

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PropagateRefMetadata puts on a run what Tekton puts there: label
// key=refName (tekton.dev/task for a TaskRun, tekton.dev/pipeline for a
// PipelineRun) and the referenced Task's or Pipeline's own labels and
// annotations, under the run's own, which win. ref may be nil (not read).
// From the run they reach its pod (and a PipelineRun's TaskRuns).
func PropagateRefMetadata(run *metav1.ObjectMeta, key, refName string, ref *metav1.ObjectMeta) {
	if run.Labels == nil {
		run.Labels = map[string]string{}
	}
	if ref != nil {
		for k, v := range ref.Labels {
			if _, ok := run.Labels[k]; !ok {
				run.Labels[k] = v
			}
		}
		for k, v := range ref.Annotations {
			if k == corev1.LastAppliedConfigAnnotation {
				continue
			}
			if run.Annotations == nil {
				run.Annotations = map[string]string{}
			}
			if _, ok := run.Annotations[k]; !ok {
				run.Annotations[k] = v
			}
		}
	}
	if refName != "" {
		setLabel(run.Labels, key, refName)
	}
}

// Keys of a TaskRun's status.annotations that locate and unlock its
// archived step logs (pkg/logs).
const (
	// AnnotationLogArchive is the repository holding the TaskRun's log
	// archives, one tag per attempt pod.
	AnnotationLogArchive = "slipway.dev/log-archive"
	// AnnotationLogKey is the secret key the logs are encrypted to.
	AnnotationLogKey = "slipway.dev/log-key"
)

// FinalizerLogArchive keeps a step pod until its step logs are archived.
const FinalizerLogArchive = "slipway.dev/log-archive"
