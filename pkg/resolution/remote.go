package resolution

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
)

// Remote resolution (D15): a taskRef, pipelineRef or step ref with
// `resolver:` names one of the Resolvers below, which fetch the YAML of one
// object; the Manager runs them off the work queue, caches what they
// fetched, and this package decodes and checks the result.

// Request is one remote reference to resolve.
type Request struct {
	// Resolver is the ref's resolver: git, bundles, cluster, hub, http.
	Resolver string
	// Params are the ref's params, all strings (an array or object param
	// is refused before a resolver sees it).
	Params map[string]string
	// Namespace is the run's namespace: Secrets named by params are read
	// there, and the cluster resolver's access is decided from it.
	Namespace string
	// Kind is what the ref expects: "Task", "Pipeline" or "StepAction".
	Kind string
}

// Resolved is what a resolver fetched: one object's YAML or JSON, and where
// it came from (Tekton's status.provenance.refSource).
type Resolved struct {
	Data      []byte
	RefSource *v1.RefSource
}

// Resolver fetches remote references of one kind. Implementations live in
// the leaf packages below pkg/resolution (git, bundles, cluster, hub,
// http); they do I/O only, never touch a run, and return errors wrapping
// the sentinels below so that the run's condition can say what went wrong.
type Resolver interface {
	// Name is the value of `resolver:` this Resolver answers.
	Name() string
	// Pin resolves req to an immutable identity of the content it names
	// (a commit SHA, an image digest). The content cache is keyed by
	// (resolver, params, pin), so a second run of the same ref does not
	// fetch again. ok is false when the content has no such identity and
	// must be fetched every time.
	Pin(ctx context.Context, req Request) (pin string, ok bool, err error)
	// Fetch returns the content req names; pin is Pin's answer ("" when
	// not ok). A Resolver that pinned must fetch exactly that content.
	Fetch(ctx context.Context, req Request, pin string) (*Resolved, error)
}

// SecretGetter reads a Secret in a run's namespace for a resolver's
// credentials (a direct API read: Secrets are never cached by the
// controller).
type SecretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)

// Sentinels a resolver's errors wrap (with errors.Is), each a distinct
// failure for the user. ErrNotFound (unknown revision, missing file or
// object) is shared with in-cluster resolution.
var (
	// ErrInvalidParams: a param is missing, unknown or malformed.
	ErrInvalidParams = errors.New("invalid resolver params")
	// ErrUnreachable: the host could not be reached (DNS, connection
	// refused, TLS).
	ErrUnreachable = errors.New("unreachable")
	// ErrAuth: the server refused the credentials, or they are missing.
	ErrAuth = errors.New("authentication failed")
	// ErrRefused: policy refused the reference (a blocked namespace).
	ErrRefused = errors.New("refused")
	// ErrWrongKind: the resolved object is not of the kind the ref expects.
	ErrWrongKind = errors.New("wrong kind")
	// ErrTimeout: resolution took longer than default-resolution-timeout.
	ErrTimeout = errors.New("timed out")
)

// RemoteError is a remote resolution that failed for good: the run fails
// with its message. Resolvers may return plain errors wrapping the
// sentinels; the Manager wraps them in a RemoteError naming the resolver.
type RemoteError struct {
	Resolver string
	Kind     string
	Err      error
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("resolving %s with resolver %q: %v", e.Kind, e.Resolver, e.Err)
}

func (e *RemoteError) Unwrap() error { return e.Err }
