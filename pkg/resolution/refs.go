package resolution

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
)

// IsRemote reports whether a ref is resolved by a resolver.
func IsRemote(ref v1.ResolverRef) bool {
	return ref.Resolver != ""
}

// NewRequest builds the Request for a ref of the given kind in namespace.
// Resolver params are strings; an array or object param is refused.
func NewRequest(kind, namespace string, ref v1.ResolverRef) (Request, error) {
	req := Request{Resolver: string(ref.Resolver), Namespace: namespace, Kind: kind,
		Params: make(map[string]string, len(ref.Params))}
	for _, p := range ref.Params {
		if p.Value.Type != v1.ParamTypeString {
			return req, &RemoteError{Resolver: req.Resolver, Kind: kind,
				Err: fmt.Errorf("%w: param %q is an %s; resolver params are strings", ErrInvalidParams, p.Name, p.Value.Type)}
		}
		req.Params[p.Name] = p.Value.StringVal
	}
	return req, nil
}

// Task resolves a remote taskRef (see Manager.Resolve for pending).
func (m *Manager) Task(ctx context.Context, owner Owner, namespace string, ref v1.ResolverRef, timeout time.Duration) (*ResolvedTask, bool, error) {
	res, pending, err := m.resolveKind(ctx, owner, "Task", namespace, ref, timeout)
	if res == nil {
		return nil, pending, err
	}
	t, err := DecodeTask(ctx, res)
	if err != nil {
		return nil, false, &RemoteError{Resolver: string(ref.Resolver), Kind: "Task", Err: err}
	}
	return t, false, nil
}

// Pipeline resolves a remote pipelineRef.
func (m *Manager) Pipeline(ctx context.Context, owner Owner, namespace string, ref v1.ResolverRef, timeout time.Duration) (*ResolvedPipeline, bool, error) {
	res, pending, err := m.resolveKind(ctx, owner, "Pipeline", namespace, ref, timeout)
	if res == nil {
		return nil, pending, err
	}
	p, err := DecodePipeline(ctx, res)
	if err != nil {
		return nil, false, &RemoteError{Resolver: string(ref.Resolver), Kind: "Pipeline", Err: err}
	}
	return p, false, nil
}

// StepAction resolves a step's remote ref.
func (m *Manager) StepAction(ctx context.Context, owner Owner, namespace string, ref v1.ResolverRef, timeout time.Duration) (*v1beta1.StepActionSpec, bool, error) {
	res, pending, err := m.resolveKind(ctx, owner, "StepAction", namespace, ref, timeout)
	if res == nil {
		return nil, pending, err
	}
	sa, err := DecodeStepAction(ctx, res)
	if err != nil {
		return nil, false, &RemoteError{Resolver: string(ref.Resolver), Kind: "StepAction", Err: err}
	}
	return sa, false, nil
}

func (m *Manager) resolveKind(ctx context.Context, owner Owner, kind, namespace string, ref v1.ResolverRef, timeout time.Duration) (*Resolved, bool, error) {
	req, err := NewRequest(kind, namespace, ref)
	if err != nil {
		return nil, false, err
	}
	return m.Resolve(ctx, owner, req, timeout)
}
