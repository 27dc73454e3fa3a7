package bundles

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	k8schain "github.com/google/go-containerregistry/pkg/authn/kubernetes"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// Resolver reads objects out of Tekton bundles in registries.
type Resolver struct {
	secrets   resolution.SecretGetter
	insecure  func(context.Context) []string
	transport http.RoundTripper
}

var _ resolution.Resolver = (*Resolver)(nil)

// Option configures New.
type Option func(*Resolver)

// WithInsecureRegistries lists the registries (host[:port]) reached over
// plain HTTP, such as the local cluster's registry at <nodeIP>:5000.
func WithInsecureRegistries(hosts []string) Option {
	hosts = append([]string(nil), hosts...)
	return func(r *Resolver) { r.insecure = func(context.Context) []string { return hosts } }
}

// WithInsecureRegistriesFrom reads the plain-HTTP registries at each
// resolution (the controller passes slipway-config's insecure-registries).
func WithInsecureRegistriesFrom(f func(context.Context) []string) Option {
	return func(r *Resolver) { r.insecure = f }
}

// WithTransport sets the HTTP transport used to reach registries.
func WithTransport(t http.RoundTripper) Option {
	return func(r *Resolver) { r.transport = t }
}

// New returns a Resolver that reads pull Secrets with secrets.
func New(secrets resolution.SecretGetter, opts ...Option) *Resolver {
	r := &Resolver{secrets: secrets, transport: remote.DefaultTransport, insecure: func(context.Context) []string { return nil }}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Name implements resolution.Resolver.
func (r *Resolver) Name() string { return "bundles" }

// Pin implements resolution.Resolver: the pin is the bundle's manifest
// digest, read from the registry unless the bundle is given by digest.
// With cache "never" it answers not ok.
func (r *Resolver) Pin(ctx context.Context, req resolution.Request) (string, bool, error) {
	p, err := parseParams(req, r.insecure(ctx))
	if err != nil {
		return "", false, err
	}
	if p.cache == "never" {
		return "", false, nil
	}
	if d, ok := p.ref.(name.Digest); ok {
		return d.DigestStr(), true, nil
	}
	ropts, kc, err := r.remoteOptions(ctx, req.Namespace, p.secret)
	if err != nil {
		return "", false, err
	}
	if desc, err := remote.Head(p.ref, ropts...); err == nil {
		return desc.Digest.String(), true, nil
	}
	// Some registries refuse HEAD for manifests: ask with GET before
	// giving up, and report what GET says.
	desc, err := remote.Get(p.ref, ropts...)
	if err != nil {
		return "", false, describe(p, kc, err)
	}
	return desc.Digest.String(), true, nil
}

// Fetch implements resolution.Resolver: it reads the bundle at pin (or as
// referenced, when pin is "") and returns the object of the requested kind
// and name, recorded as Tekton's bundles resolver does: the repository as
// URI, the image digest, the object's name as entry point.
func (r *Resolver) Fetch(ctx context.Context, req resolution.Request, pin string) (*resolution.Resolved, error) {
	p, err := parseParams(req, r.insecure(ctx))
	if err != nil {
		return nil, err
	}
	ropts, kc, err := r.remoteOptions(ctx, req.Namespace, p.secret)
	if err != nil {
		return nil, err
	}
	ref := p.ref
	if pin != "" {
		ref = p.ref.Context().Digest(pin)
	}
	img, err := remote.Image(ref, ropts...)
	if err != nil {
		return nil, describe(p, kc, err)
	}
	data, err := object(img, p.kind, p.name)
	if err != nil {
		return nil, describe(p, kc, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, describe(p, kc, err)
	}
	return &resolution.Resolved{Data: data, RefSource: &v1.RefSource{
		URI:        p.ref.Context().Name(),
		Digest:     map[string]string{digest.Algorithm: digest.Hex},
		EntryPoint: p.name,
	}}, nil
}

// remoteOptions are the options of every registry call for a request: the
// Secret's credentials, or none.
func (r *Resolver) remoteOptions(ctx context.Context, namespace, secret string) ([]remote.Option, authn.Keychain, error) {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithTransport(r.transport)}
	if secret == "" {
		return append(opts, remote.WithAuth(authn.Anonymous)), nil, nil
	}
	kc, err := r.keychain(ctx, namespace, secret)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, remote.WithAuthFromKeychain(kc)), kc, nil
}

// keychain reads the pull Secret named secret.
func (r *Resolver) keychain(ctx context.Context, namespace, secret string) (authn.Keychain, error) {
	if r.secrets == nil {
		return nil, fmt.Errorf("reading pull Secret %q: this resolver cannot read Secrets", secret)
	}
	s, err := r.secrets(ctx, namespace, secret)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("pull Secret %q in namespace %q does not exist: %w", secret, namespace, resolution.ErrAuth)
	}
	if err != nil {
		return nil, fmt.Errorf("reading pull Secret %q: %w", secret, err)
	}
	if s.Type != corev1.SecretTypeDockerConfigJson || len(s.Data[corev1.DockerConfigJsonKey]) == 0 {
		return nil, fmt.Errorf("pull Secret %q must be of type %s with a %s key: %w",
			secret, corev1.SecretTypeDockerConfigJson, corev1.DockerConfigJsonKey, resolution.ErrAuth)
	}
	kc, err := k8schain.NewFromPullSecrets(ctx, []corev1.Secret{*s})
	if err != nil {
		return nil, fmt.Errorf("pull Secret %q: reading %s: %w: %w", secret, corev1.DockerConfigJsonKey, resolution.ErrAuth, err)
	}
	return kc, nil
}
