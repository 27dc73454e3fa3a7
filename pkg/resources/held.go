package resources

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/config"
)

// Eager scheduling (docs/design.md D25): a pipeline task whose upstream
// tasks are running gets its TaskRun, and its pod, ahead of time. The
// TaskRun is held: the params that wait for upstream results carry
// HeldToken placeholders, and its steps wait until the controller writes
// the values into the pod's AnnotationRelease, which the steps read
// through the downward API and put in place of the placeholders.
const (
	// AnnotationHeld marks a held TaskRun (and its pod, which copies it);
	// the value names the upstream pipeline tasks, comma-separated. The
	// PipelineRun controller removes it, with the real param values, to
	// release the TaskRun.
	AnnotationHeld = "slipway.dev/held"
	// AnnotationHeldParams on a pod lists the params its steps hold
	// placeholders for, comma-separated.
	AnnotationHeldParams = "slipway.dev/held-params"
	// AnnotationRelease on a pod carries the held params' values as a JSON
	// object from placeholder to value.
	AnnotationRelease = "slipway.dev/release"
	// MaxReleaseBytes bounds AnnotationRelease: the API server allows a
	// pod 256 KiB of annotations in all. A release that does not fit, or
	// whose values are not all strings, replaces the pod with one built
	// from the values.
	MaxReleaseBytes = 128 << 10

	heldTokenPrefix = "@slipway-held:"
	volRelease      = "slipway-release"
	releaseDir      = "/slipway/release"
	releaseFile     = "values"
)

// ErrNotEager is MakePod's answer for a held TaskRun whose placeholders
// reach a part of the pod that its steps cannot fill in when released (an
// image, a volume, a sidecar, ...): the pod has to wait for the values.
var ErrNotEager = errors.New("a held param is used outside the steps' scripts, commands, args and env")

// HeldToken is the placeholder that stands for param's value in a held
// TaskRun until its release.
func HeldToken(param string) string { return heldTokenPrefix + param + "@" }

// IsHeld reports whether tr waits to be released.
func IsHeld(tr *v1.TaskRun) bool {
	_, ok := tr.Annotations[AnnotationHeld]
	return ok
}

// HeldParams lists tr's params whose value is still their placeholder.
func HeldParams(tr *v1.TaskRun) []string {
	var out []string
	for _, p := range tr.Spec.Params {
		if p.Value.Type == v1.ParamTypeString && p.Value.StringVal == HeldToken(p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// NeedsRelease reports whether pod was built for a held TaskRun and its
// steps still wait for the values.
func NeedsRelease(pod *corev1.Pod) bool {
	_, held := pod.Annotations[AnnotationHeldParams]
	_, released := pod.Annotations[AnnotationRelease]
	return held && !released
}

// Released returns a copy of pod with its steps released with the values
// of tr's params, and the backstop deadline (D4) a held pod goes without,
// counted from the pod's start as the kubelet counts it. fits is false
// when the values are larger than MaxReleaseBytes or not all strings (a
// whole array or object result): the pod must be replaced by one built
// from them.
func Released(tr *v1.TaskRun, pod *corev1.Pod, cfg *config.Config, now time.Time) (out *corev1.Pod, fits bool, err error) {
	value, fits, err := releaseValue(tr, pod)
	if err != nil || !fits {
		return nil, fits, err
	}
	out = pod.DeepCopy()
	out.Annotations[AnnotationRelease] = value
	if d := activeDeadline(tr, cfg); d != nil && out.Spec.ActiveDeadlineSeconds == nil {
		held := int64(0)
		if st := pod.Status.StartTime; st != nil {
			held = int64(math.Ceil(now.Sub(st.Time).Seconds()))
		}
		deadline := *d + max(held, 0)
		out.Spec.ActiveDeadlineSeconds = &deadline
	}
	return out, true, nil
}

// releaseValue is the AnnotationRelease value that releases pod's steps
// with the values of tr's params; fits is false when it is larger than
// MaxReleaseBytes.
func releaseValue(tr *v1.TaskRun, pod *corev1.Pod) (value string, fits bool, err error) {
	var held []string
	if list := pod.Annotations[AnnotationHeldParams]; list != "" {
		held = strings.Split(list, ",")
	}
	values := make(map[string]string, len(held))
	for _, p := range tr.Spec.Params {
		if !slices.Contains(held, p.Name) {
			continue
		}
		if p.Value.Type != v1.ParamTypeString {
			return "", false, nil // a whole array or object result: rebuild the pod
		}
		values[HeldToken(p.Name)] = p.Value.StringVal
	}
	if len(values) != len(held) {
		return "", false, fmt.Errorf("the TaskRun lacks some of the held params %s", pod.Annotations[AnnotationHeldParams])
	}
	b, err := json.Marshal(values)
	if err != nil {
		return "", false, err
	}
	return string(b), len(b) <= MaxReleaseBytes, nil
}

// addRelease lets the steps of a held TaskRun's pod wait for their values:
// the release annotation as a downward API file in every step.
func (b *builder) addRelease() error {
	if !b.in.Held {
		return nil
	}
	v := corev1.Volume{Name: volRelease, VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{{
			Path:     releaseFile,
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + AnnotationRelease + "']"},
		}},
	}}}
	if err := b.addVolume(v, "eager scheduling"); err != nil {
		return err
	}
	if b.pod.Annotations == nil {
		b.pod.Annotations = map[string]string{}
	}
	b.pod.Annotations[AnnotationHeldParams] = strings.Join(HeldParams(b.in.TaskRun), ",")
	// How long the pod waits is not the TaskRun's time: the deadline is
	// set at the release (Released).
	b.pod.Spec.ActiveDeadlineSeconds = nil
	return nil
}

// releaseMount and releasePath are what each step of a held pod gets.
var releaseMount = corev1.VolumeMount{Name: volRelease, MountPath: releaseDir, ReadOnly: true}

const releasePath = releaseDir + "/" + releaseFile

// checkHeld fails with ErrNotEager when a placeholder of a held param
// reaches anything but the steps' entrypoint args and env values, which
// the entrypoint fills in (entrypoint.Options.ReleaseFile).
func checkHeld(pod *corev1.Pod) error {
	if _, ok := pod.Annotations[AnnotationHeldParams]; !ok {
		return nil
	}
	rest := pod.DeepCopy()
	for i := range rest.Spec.Containers {
		c := &rest.Spec.Containers[i]
		if !strings.HasPrefix(c.Name, StepPrefix) {
			continue
		}
		c.Args = nil
		for j := range c.Env {
			c.Env[j].Value = ""
		}
	}
	b, err := json.Marshal(rest)
	if err != nil {
		return err
	}
	if strings.Contains(string(b), heldTokenPrefix) {
		return ErrNotEager
	}
	return nil
}

// stepRelease is the release file a step's shim waits for ("" when the
// pod is not held).
func (b *builder) stepRelease() string {
	if !b.in.Held {
		return ""
	}
	return releasePath
}
