package resources

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// volDebug holds Tekton's debug scripts (TaskRun spec.debug).
const volDebug = "tekton-debug"

var debugMount = corev1.VolumeMount{Name: volDebug, MountPath: entrypoint.DebugDir}

// debugging reports whether the TaskRun sets any breakpoint.
func debugging(tr *v1.TaskRun) bool {
	d := tr.Spec.Debug
	return d != nil && d.Breakpoints != nil && (d.NeedsDebugOnFailure() || len(d.Breakpoints.BeforeSteps) > 0)
}

// addDebug gives every step the volume the debug scripts are written to.
func (b *builder) addDebug() error {
	if !debugging(b.in.TaskRun) {
		return nil
	}
	return b.addVolume(corev1.Volume{Name: volDebug, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, "spec.debug")
}

// stepBreakpoints are the breakpoints of the step named name.
func stepBreakpoints(tr *v1.TaskRun, name string) (onFailure, before bool) {
	if !debugging(tr) {
		return false, false
	}
	return tr.Spec.Debug.NeedsDebugOnFailure(), tr.Spec.Debug.NeedsDebugBeforeStep(name)
}
