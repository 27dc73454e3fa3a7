package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/url"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// MaxSize is the largest content Fetch reads, in bytes.
const MaxSize = 4 << 20

// Resolver resolves `resolver: http` refs with GET.
type Resolver struct {
	secrets resolution.SecretGetter
	client  *nethttp.Client
}

var _ resolution.Resolver = (*Resolver)(nil)

// Option configures New.
type Option func(*Resolver)

// WithHTTPClient sends requests with c (its transport's roots, proxy and
// timeouts). Default: a client with http.DefaultTransport, which verifies
// https with the system roots.
func WithHTTPClient(c *nethttp.Client) Option {
	return func(r *Resolver) { r.client = c }
}

// New returns an http Resolver that reads http-password-secret Secrets
// with secrets (which may be nil when no ref needs credentials).
func New(secrets resolution.SecretGetter, opts ...Option) *Resolver {
	r := &Resolver{secrets: secrets}
	for _, o := range opts {
		o(r)
	}
	if r.client == nil {
		r.client = &nethttp.Client{}
	}
	return r
}

// Name is "http".
func (r *Resolver) Name() string { return "http" }

// Pin checks the params. Content at a URL has no identity of its own, so
// it is pinned (and cached) only when the digest param names it: Fetch
// checks the content against it.
func (r *Resolver) Pin(_ context.Context, req resolution.Request) (string, bool, error) {
	p, err := parse(req.Params)
	if err != nil || p.digest.algorithm == "" {
		return "", false, err
	}
	return req.Params[paramDigest], true, nil
}

// Fetch GETs the url param; pin is ignored.
func (r *Resolver) Fetch(ctx context.Context, req resolution.Request, _ string) (*resolution.Resolved, error) {
	p, err := parse(req.Params)
	if err != nil {
		return nil, err
	}
	get, err := nethttp.NewRequestWithContext(ctx, nethttp.MethodGet, p.url, nil)
	if err != nil {
		return nil, invalid("param %s is not a URL", paramURL)
	}
	if p.user != "" {
		password, err := r.password(ctx, req.Namespace, p)
		if err != nil {
			return nil, err
		}
		get.SetBasicAuth(p.user, password)
	}
	data, err := r.get(get, p)
	if err != nil {
		return nil, err
	}
	if err := p.digest.check(data); err != nil {
		return nil, fmt.Errorf("fetching %s: %w", p.public, err)
	}
	sum := sha256.Sum256(data)
	return &resolution.Resolved{Data: data, RefSource: &v1.RefSource{
		// As Tekton's http resolver records it.
		URI:    p.public,
		Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])},
	}}, nil
}

// password reads the basic auth password from its Secret in namespace.
func (r *Resolver) password(ctx context.Context, namespace string, p params) (string, error) {
	if r.secrets == nil {
		return "", fmt.Errorf("param %s is set but this resolver cannot read Secrets", paramSecret)
	}
	s, err := r.secrets(ctx, namespace, p.secret)
	switch {
	case apierrors.IsNotFound(err):
		return "", fmt.Errorf("%s Secret %q not found in namespace %q: %w", paramSecret, p.secret, namespace, resolution.ErrAuth)
	case err != nil:
		return "", fmt.Errorf("reading %s Secret %q: %w", paramSecret, p.secret, err)
	}
	v := s.Data[p.key]
	if len(v) == 0 {
		return "", fmt.Errorf("key %q of %s Secret %q is missing or empty: %w", p.key, paramSecret, p.secret, resolution.ErrAuth)
	}
	return string(v), nil
}

// get sends req and reads the body of a 2xx answer, up to MaxSize.
func (r *Resolver) get(req *nethttp.Request, p params) ([]byte, error) {
	where := "fetching " + p.public
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, transportError(req.Context(), where, p.host, err)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == nethttp.StatusNotFound || code == nethttp.StatusGone:
		return nil, fmt.Errorf("%s: %w (HTTP %s)", where, resolution.ErrNotFound, resp.Status)
	case code == nethttp.StatusUnauthorized || code == nethttp.StatusForbidden:
		return nil, fmt.Errorf("%s: %w (HTTP %s; %s)", where, resolution.ErrAuth, resp.Status, authHint(p))
	case code < 200 || code > 299:
		return nil, fmt.Errorf("%s: the server answered HTTP %s", where, resp.Status)
	case resp.ContentLength > MaxSize:
		return nil, fmt.Errorf("%s: the content has %d bytes, more than the limit of %d", where, resp.ContentLength, MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, transportError(req.Context(), where+": reading the content", p.host, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: the content is larger than the limit of %d bytes", where, MaxSize)
	}
	return data, nil
}

func authHint(p params) string {
	if p.user == "" && p.urlCreds {
		return "the server refused the credentials of the URL"
	}
	if p.user == "" {
		return fmt.Sprintf("no credentials: set params %s and %s", paramUsername, paramSecret)
	}
	return fmt.Sprintf("the server refused user %q with the password of %s Secret %q", p.user, paramSecret, p.secret)
}

// transportError wraps a failed exchange: the caller's deadline as it is
// (the caller says which it was), anything else as ErrUnreachable.
func transportError(ctx context.Context, where, host string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its URL is in where already, without user info
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", where, ctx.Err())
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", where, err)
	}
	if resolution.IsNetworkError(err) {
		return fmt.Errorf("%s: host %s %w: %w", where, host, resolution.ErrUnreachable, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}
