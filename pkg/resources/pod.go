package resources

import (
	"errors"
	"fmt"
	"math"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/credentials"
)

// Labels and annotations MakePod sets or filters.
const (
	LabelTaskRun     = "tekton.dev/taskRun"
	LabelTaskRunUID  = "tekton.dev/taskRunUID"
	LabelTask        = "tekton.dev/task"
	LabelManagedBy   = "app.kubernetes.io/managed-by"
	ManagedByValue   = "slipway"
	lastAppliedAnnot = "kubectl.kubernetes.io/last-applied-configuration"
)

// Container name prefixes; status parsing strips them to find the step.
const (
	StepPrefix    = "step-"
	SidecarPrefix = "sidecar-"
	// PrepareContainer copies the entrypoint binary (init mode).
	PrepareContainer = "prepare"
)

// PodInput is everything MakePod translates into a Pod.
type PodInput struct {
	// TaskRun is the owner.
	TaskRun *v1.TaskRun
	// Spec is the Task spec, defaulted and already substituted.
	Spec *v1.TaskSpec
	// Config is this reconcile's configuration.
	Config *config.Config
	// Images holds ENTRYPOINT/CMD by image reference as written in the
	// spec, for every image ImagesToResolve lists.
	Images map[string]ImageConfig
	// Retry is the attempt: 0 for the first, N for retry N.
	Retry int
	// Credentials come from the ServiceAccount's annotated secrets (D8);
	// each names a secret that the pod mounts. Nil adds nothing.
	Credentials []credentials.Credential
	// LogArchive, when set, is where the pod's step logs are archived.
	LogArchive *LogArchive
	// Held is set for a held TaskRun: its steps wait for the release, and
	// the params HeldParams lists come then.
	Held bool
}

// LogArchive locates and unlocks a TaskRun's archived step logs.
type LogArchive struct {
	// Repository holds the TaskRun's archives, one tag per attempt pod.
	Repository string
	// Key is the secret key the logs are encrypted to.
	Key string
}

// MakePod builds the Pod that runs one attempt of a TaskRun, following
// docs/design.md D1, D2, D4 and D5. It never drops a field silently: what
// it cannot honour is an error naming the field.
func MakePod(in PodInput) (*corev1.Pod, error) {
	if in.TaskRun == nil || in.Spec == nil || in.Config == nil {
		return nil, errors.New("making pod: TaskRun, Spec and Config are required")
	}
	if err := checkTaskRun(in.TaskRun); err != nil {
		return nil, err
	}
	b := newBuilder(in)
	if err := b.build(); err != nil {
		return nil, err
	}
	if la := in.LogArchive; la != nil {
		// The archiver reads them from the pod, the TaskRun's status
		// keeps them for readers; the archiver removes the finalizer once
		// the step logs are archived.
		b.pod.Annotations = la.Annotate(b.pod.Annotations)
		b.pod.Finalizers = append(b.pod.Finalizers, FinalizerLogArchive)
	}
	if err := checkHeld(b.pod); err != nil {
		return nil, err
	}
	return b.pod, nil
}

// Annotate returns annotations (a new map if nil) with la in them, as
// LogArchiveOf reads it back.
func (la LogArchive) Annotate(annotations map[string]string) map[string]string {
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationLogArchive], annotations[AnnotationLogKey] = la.Repository, la.Key
	return annotations
}

// LogArchiveOf returns where obj's step logs are archived, nil if nowhere.
func LogArchiveOf(annotations map[string]string) *LogArchive {
	repo, key := annotations[AnnotationLogArchive], annotations[AnnotationLogKey]
	if repo == "" || key == "" {
		return nil
	}
	return &LogArchive{Repository: repo, Key: key}
}

// checkTaskRun rejects TaskRun fields that Slipway does not implement.
func checkTaskRun(tr *v1.TaskRun) error {
	switch {
	case tr.Spec.ComputeResources != nil:
		return unsupported("TaskRun spec.computeResources (use stepSpecs or the steps' computeResources)")
	}
	return nil
}

// ErrUnsupported marks a field that Slipway cannot honour.
var ErrUnsupported = errors.New("not supported by Slipway")

func unsupported(field string) error {
	return fmt.Errorf("%s: %w", field, ErrUnsupported)
}

// objectMeta returns the pod's name, labels, annotations and owner.
func objectMeta(tr *v1.TaskRun, retry int) metav1.ObjectMeta {
	labels := make(map[string]string, len(tr.Labels)+4)
	for k, v := range tr.Labels {
		labels[k] = v
	}
	// Names longer than a label value allows get no name label; the UID
	// label always fits, so select pods by it.
	setLabel(labels, LabelTaskRun, tr.Name)
	labels[LabelTaskRunUID] = string(tr.UID)
	labels[LabelManagedBy] = ManagedByValue
	if tr.Spec.TaskRef != nil {
		setLabel(labels, LabelTask, tr.Spec.TaskRef.Name)
	}
	var annotations map[string]string
	for k, v := range tr.Annotations {
		if k == lastAppliedAnnot {
			continue
		}
		if annotations == nil {
			annotations = make(map[string]string, len(tr.Annotations))
		}
		annotations[k] = v
	}
	return metav1.ObjectMeta{
		Name:            PodName(tr.Name, retry),
		Namespace:       tr.Namespace,
		Labels:          labels,
		Annotations:     annotations,
		OwnerReferences: []metav1.OwnerReference{ControllerRef(tr, "TaskRun")},
	}
}

func setLabel(labels map[string]string, k, v string) {
	if v != "" && len(validation.IsValidLabelValue(v)) == 0 {
		labels[k] = v
	}
}

// activeDeadline is the pod's backstop timeout in whole seconds (D4), nil
// when the TaskRun has none.
func activeDeadline(tr *v1.TaskRun, cfg *config.Config) *int64 {
	d := cfg.DefaultTimeout
	if tr.Spec.Timeout != nil {
		d = tr.Spec.Timeout.Duration
	}
	if d <= 0 {
		return nil
	}
	s := int64(math.Ceil(float64(d) / float64(time.Second)))
	return &s
}
