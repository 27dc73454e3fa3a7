package v1alpha1

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// SchemeGroupVersion is the group and version of Slipway's kinds.
var SchemeGroupVersion = schema.GroupVersion{Group: "slipway.dev", Version: "v1alpha1"}

// AddToScheme registers the kinds of this package in a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(SchemeGroupVersion, &LogArchive{}, &LogArchiveList{})
	metav1.AddToGroupVersion(s, SchemeGroupVersion)
	return nil
}

// AnnotationExpires holds, in RFC 3339, when a LogArchive and the logs it
// names are deleted. It is an annotation, not a spec field, so that the
// sweeper can watch LogArchives by their metadata alone.
const AnnotationExpires = "slipway.dev/expires"

// ExpiresOf is when the LogArchive o expires: its annotation, or its
// creation if that is unreadable (nothing else would ever delete it).
func ExpiresOf(o metav1.Object) time.Time {
	t, err := time.Parse(time.RFC3339, o.GetAnnotations()[AnnotationExpires])
	if err != nil {
		return o.GetCreationTimestamp().Time
	}
	return t
}

// LogArchive keeps one TaskRun attempt's archived step logs readable after
// the TaskRun is deleted, until it expires (the prune-logs-ttl policy):
// where they are and the key they are sealed to. It is named after the
// attempt's pod and lives in the run's namespace, so that whoever may read
// it in that namespace may read the logs (docs/design.md D28).
type LogArchive struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LogArchiveSpec `json:"spec"`
}

// LogArchiveSpec is written once, by the log archiver.
type LogArchiveSpec struct {
	// TaskRun, TaskRunUID, PipelineRun, PipelineRunUID and PipelineTask
	// name the run the logs come from (the PipelineRun's empty for a lone
	// TaskRun; its UID also when the TaskRun was gone before its logs were
	// kept). Attempt is which attempt of the TaskRun (0 the first).
	TaskRun        string    `json:"taskRun"`
	TaskRunUID     types.UID `json:"taskRunUID,omitempty"`
	PipelineRun    string    `json:"pipelineRun,omitempty"`
	PipelineRunUID types.UID `json:"pipelineRunUID,omitempty"`
	PipelineTask   string    `json:"pipelineTask,omitempty"`
	Attempt        int       `json:"attempt,omitempty"`
	// Repository and Tag locate the archive (a repository written
	// "http://host/path" is on a plain-HTTP registry); Key opens it.
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	Key        string `json:"key"`
	// StartTime is when the TaskRun started (when the attempt's first step
	// did if unknown), CompletionTime when its last step stopped.
	StartTime      *metav1.Time `json:"startTime,omitempty"`
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Steps are the attempt's steps in order.
	Steps []LogArchiveStep `json:"steps,omitempty"`
}

// LogArchiveStep is one archived step.
type LogArchiveStep struct {
	Name      string `json:"name"`
	Container string `json:"container"`
}

// LogArchiveList is a list of LogArchives.
type LogArchiveList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	Items []LogArchive `json:"items"`
}

// DeepCopyInto copies a into out.
func (a *LogArchive) DeepCopyInto(out *LogArchive) {
	*out = *a
	out.TypeMeta = a.TypeMeta
	a.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.StartTime = a.Spec.StartTime.DeepCopy()
	out.Spec.CompletionTime = a.Spec.CompletionTime.DeepCopy()
	out.Spec.Steps = append([]LogArchiveStep(nil), a.Spec.Steps...)
}

// DeepCopy returns a copy of a.
func (a *LogArchive) DeepCopy() *LogArchive {
	if a == nil {
		return nil
	}
	out := &LogArchive{}
	a.DeepCopyInto(out)
	return out
}

// DeepCopyObject implements runtime.Object.
func (a *LogArchive) DeepCopyObject() runtime.Object { return a.DeepCopy() }

// DeepCopyObject implements runtime.Object.
func (l *LogArchiveList) DeepCopyObject() runtime.Object {
	if l == nil {
		return nil
	}
	out := &LogArchiveList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	if l.Items != nil {
		out.Items = make([]LogArchive, len(l.Items))
		for i := range l.Items {
			l.Items[i].DeepCopyInto(&out.Items[i])
		}
	}
	return out
}
