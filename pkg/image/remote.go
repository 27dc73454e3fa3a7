package image

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"

	"github.com/google/go-containerregistry/pkg/authn"
	k8schain "github.com/google/go-containerregistry/pkg/authn/kubernetes"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrv1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"k8s.io/client-go/kubernetes"
)

// remoteResolver reads image configs from registries.
type remoteResolver struct {
	keychain  func(ctx context.Context, req Request) (authn.Keychain, error)
	transport http.RoundTripper
	platform  ggcrv1.Platform
}

var _ Resolver = (*remoteResolver)(nil)

// Option configures NewRemote.
type Option func(*remoteResolver)

// WithTransport sets the HTTP transport used to reach registries.
func WithTransport(t http.RoundTripper) Option {
	return func(r *remoteResolver) { r.transport = t }
}

// WithPlatform sets the platform picked from multi-platform images
// (default: linux and the controller's architecture).
func WithPlatform(p ggcrv1.Platform) Option {
	return func(r *remoteResolver) { r.platform = p }
}

// withKeychain replaces the Kubernetes keychain (tests).
func withKeychain(kc authn.Keychain) Option {
	return func(r *remoteResolver) {
		r.keychain = func(context.Context, Request) (authn.Keychain, error) { return kc, nil }
	}
}

// NewRemote returns a Resolver that reads registries with the credentials
// of the request's service account and pull secrets, read through client.
func NewRemote(client kubernetes.Interface, opts ...Option) Resolver {
	r := &remoteResolver{
		transport: remote.DefaultTransport,
		platform:  ggcrv1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		keychain: func(ctx context.Context, req Request) (authn.Keychain, error) {
			return k8schain.New(ctx, client, k8schain.Options{
				Namespace: req.Namespace, ServiceAccountName: req.ServiceAccount, ImagePullSecrets: req.PullSecrets,
			})
		},
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Entrypoint implements Resolver.
func (r *remoteResolver) Entrypoint(ctx context.Context, req Request) (Config, error) {
	ref, err := Reference(req.Image, req.Mirrors, req.Insecure)
	if err != nil {
		return Config{}, err
	}
	kc, err := r.keychain(ctx, req)
	if err != nil {
		return Config{}, fmt.Errorf("reading pull credentials: %w", err)
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithTransport(r.transport)}
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return Config{}, fmt.Errorf("fetching manifest: %w", err)
	}
	img, err := r.image(ref.Context(), desc, ropts)
	if err != nil {
		return Config{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Config{}, fmt.Errorf("fetching config: %w", err)
	}
	return Config{Digest: desc.Digest.String(), Entrypoint: cf.Config.Entrypoint, Cmd: cf.Config.Cmd}, nil
}

// image returns desc as an image, picking our platform from an index.
func (r *remoteResolver) image(repo name.Repository, desc *remote.Descriptor, ropts []remote.Option) (ggcrv1.Image, error) {
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("reading image: %w", err)
		}
		return img, nil
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index manifest: %w", err)
	}
	var available []string
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		if m.Platform.Satisfies(r.platform) {
			child := repo.Digest(m.Digest.String())
			cdesc, err := remote.Get(child, ropts...)
			if err != nil {
				return nil, fmt.Errorf("fetching %s manifest: %w", m.Platform, err)
			}
			return r.image(repo, cdesc, ropts)
		}
		available = append(available, m.Platform.String())
	}
	slices.Sort(available)
	return nil, fmt.Errorf("%w %s in index (it has %v)", ErrNoPlatform, r.platform.String(), available)
}

// Reference parses image, rewriting its registry to a mirror if one is
// configured, and marking the (resulting) registry insecure if listed.
func Reference(image string, mirrors map[string]string, insecure []string) (name.Reference, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil, fmt.Errorf("parsing image reference: %w", err)
	}
	host := ref.Context().RegistryStr()
	target := host
	if m, ok := mirrors[host]; ok {
		target = m
	}
	if target == host && !slices.Contains(insecure, host) {
		return ref, nil
	}
	var opts []name.Option
	if slices.Contains(insecure, target) {
		opts = append(opts, name.Insecure)
	}
	full := target + "/" + ref.Context().RepositoryStr() + sep(ref) + ref.Identifier()
	out, err := name.ParseReference(full, opts...)
	if err != nil {
		return nil, fmt.Errorf("parsing mirrored image reference %q: %w", full, err)
	}
	return out, nil
}

func sep(ref name.Reference) string {
	if _, ok := ref.(name.Digest); ok {
		return "@"
	}
	return ":"
}
