package git

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// name is the value of `resolver:` this package answers.
const name = "git"

// DefaultRevision is the revision used when a ref gives none (Tekton's
// default-revision).
const DefaultRevision = "main"

// Resolver resolves `resolver: git` refs by cloning into memory.
type Resolver struct {
	secrets         resolution.SecretGetter
	defaultURL      string
	defaultRevision string
}

var _ resolution.Resolver = (*Resolver)(nil)

// Option configures New.
type Option func(*Resolver)

// WithDefaultURL is the repository used when a ref has no url param
// (Tekton's default-url). Default: none, url is required.
func WithDefaultURL(url string) Option {
	return func(r *Resolver) { r.defaultURL = url }
}

// WithDefaultRevision is the revision used when a ref has no revision
// param (Tekton's default-revision). Default: DefaultRevision.
func WithDefaultRevision(revision string) Option {
	return func(r *Resolver) { r.defaultRevision = revision }
}

// New returns a git Resolver that reads gitToken Secrets with secrets
// (which may be nil when no ref needs credentials).
func New(secrets resolution.SecretGetter, opts ...Option) *Resolver {
	r := &Resolver{secrets: secrets}
	for _, o := range opts {
		o(r)
	}
	if r.defaultRevision == "" {
		r.defaultRevision = DefaultRevision
	}
	return r
}

// Name is "git".
func (r *Resolver) Name() string { return name }

// Pin returns the commit SHA the ref's revision names: a full SHA as it
// is, without network, or the commit a branch, tag or ref points to now.
func (r *Resolver) Pin(ctx context.Context, req resolution.Request) (string, bool, error) {
	s, err := r.start(ctx, req)
	if err != nil {
		return "", false, err
	}
	if s.p.isSHA() {
		return s.p.revision, true, nil
	}
	_, commit, err := s.lookup(ctx)
	if err != nil {
		return "", false, err
	}
	return commit.String(), true, nil
}

// Fetch returns the file at pathInRepo in commit pin (or, when pin is
// empty, in the commit the revision names now).
func (r *Resolver) Fetch(ctx context.Context, req resolution.Request, pin string) (*resolution.Resolved, error) {
	s, err := r.start(ctx, req)
	if err != nil {
		return nil, err
	}
	want := plumbing.ZeroHash
	switch {
	case pin != "" && !fullSHA.MatchString(pin):
		return nil, fmt.Errorf("pin %q is not a commit SHA", pin)
	case pin != "":
		want = plumbing.NewHash(pin)
	case s.p.isSHA():
		want = plumbing.NewHash(s.p.revision)
	}
	commit, err := s.commit(ctx, want)
	if err != nil {
		return nil, err
	}
	data, err := s.readFile(commit)
	if err != nil {
		return nil, err
	}
	return &resolution.Resolved{Data: data, RefSource: &v1.RefSource{
		// As Tekton's git resolver records it (SPDX download location).
		URI:        "git+" + s.p.public,
		Digest:     map[string]string{"sha1": commit.Hash.String()},
		EntryPoint: s.p.path,
	}}, nil
}

// start checks req's params and reads its credentials.
func (r *Resolver) start(ctx context.Context, req resolution.Request) (*session, error) {
	p, err := r.parse(req.Params)
	if err != nil {
		return nil, err
	}
	creds, err := r.credentials(ctx, req.Namespace, p)
	if err != nil {
		return nil, err
	}
	secrets := append([]string{p.endpoint.Password}, creds.secrets...)
	return &session{p: p, creds: creds, secrets: secrets}, nil
}
