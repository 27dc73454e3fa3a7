package resolution

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/quarantine"
)

// ErrNotFound: the referenced object does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnsupported: the reference uses a feature Slipway does not implement
// (ClusterTasks, custom tasks).
var ErrUnsupported = errors.New("not supported")

// ErrUndecodable: the referenced object is stored but does not decode
// (package quarantine).
var ErrUndecodable = errors.New("cannot be decoded")

// Error is a resolution failure that the user must fix (a missing Task, an
// unsupported reference). Other errors returned by this package are
// transient (the API server failed) and worth retrying.
type Error struct {
	// Kind and Name identify what was looked up ("Task", "build").
	Kind, Name string
	// Namespace is where it was looked up.
	Namespace string
	// Err is ErrNotFound, ErrUnsupported or ErrUndecodable, possibly
	// wrapped with details.
	Err error
}

func (e *Error) Error() string {
	if errors.Is(e.Err, ErrNotFound) {
		return fmt.Sprintf("%s %q not found in namespace %q", e.Kind, e.Name, e.Namespace)
	}
	return fmt.Sprintf("resolving %s %q: %v", e.Kind, e.Name, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsUserError reports whether err is a resolution failure the user must fix.
func IsUserError(err error) bool {
	var e *Error
	var re *RemoteError
	return errors.As(err, &e) || errors.As(err, &re)
}

// Task returns a copy of the spec of the namespaced Task that ref names, and
// the Task's name (for $(context.task.name)).
func Task(ctx context.Context, c client.Reader, namespace string, ref *v1.TaskRef) (*v1.TaskSpec, error) {
	if ref == nil {
		return nil, errors.New("resolving Task: no taskRef")
	}
	if err := checkTaskRef(ref); err != nil {
		return nil, &Error{Kind: "Task", Name: ref.Name, Namespace: namespace, Err: err}
	}
	var t v1.Task
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, &t)
	switch {
	case apierrors.IsNotFound(err):
		return nil, &Error{Kind: "Task", Name: ref.Name, Namespace: namespace, Err: ErrNotFound}
	case err != nil:
		return nil, fmt.Errorf("getting Task %s/%s: %w", namespace, ref.Name, err)
	}
	if err := decoded(&t); err != nil {
		return nil, &Error{Kind: "Task", Name: ref.Name, Namespace: namespace, Err: err}
	}
	return t.Spec.DeepCopy(), nil
}

func checkTaskRef(ref *v1.TaskRef) error {
	switch {
	case ref.Kind == "ClusterTask":
		return fmt.Errorf("ClusterTasks are %w (they were removed from Tekton v1): use a namespaced Task", ErrUnsupported)
	case ref.APIVersion != "" || (ref.Kind != "" && ref.Kind != v1.NamespacedTaskKind):
		return fmt.Errorf("custom task kind %q (apiVersion %q) is %w", ref.Kind, ref.APIVersion, ErrUnsupported)
	case ref.Name == "":
		return errors.New("taskRef has no name")
	}
	return nil
}

// Pipeline returns a copy of the spec of the namespaced Pipeline that ref
// names.
func Pipeline(ctx context.Context, c client.Reader, namespace string, ref *v1.PipelineRef) (*v1.PipelineSpec, error) {
	var p v1.Pipeline
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, &p)
	switch {
	case apierrors.IsNotFound(err):
		return nil, &Error{Kind: "Pipeline", Name: ref.Name, Namespace: namespace, Err: ErrNotFound}
	case err != nil:
		return nil, fmt.Errorf("getting Pipeline %s/%s: %w", namespace, ref.Name, err)
	}
	if err := decoded(&p); err != nil {
		return nil, &Error{Kind: "Pipeline", Name: ref.Name, Namespace: namespace, Err: err}
	}
	return p.Spec.DeepCopy(), nil
}

// decoded returns ErrUndecodable with the decoding error when obj is a
// quarantined stub.
func decoded(obj metav1.Object) error {
	if msg, bad := quarantine.Reason(obj); bad {
		return fmt.Errorf("%w: %s", ErrUndecodable, msg)
	}
	return nil
}
