package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// DefaultArtifactHubURL is the API URL of the public Artifact Hub.
const DefaultArtifactHubURL = "https://artifacthub.io"

// Resolver fetches objects from Artifact Hub or a Tekton Hub.
type Resolver struct {
	artifactURL string
	tektonURL   string
	client      *http.Client
}

var _ resolution.Resolver = (*Resolver)(nil)

// Option configures New.
type Option func(*Resolver)

// WithArtifactHubURL sets the Artifact Hub API URL (default
// DefaultArtifactHubURL), as Tekton's ARTIFACT_HUB_API does.
func WithArtifactHubURL(u string) Option {
	return func(r *Resolver) { r.artifactURL = strings.TrimRight(u, "/") }
}

// WithTektonHubURL sets the Tekton Hub API URL, as Tekton's TEKTON_HUB_API
// does. There is no default: type tekton needs it or a url param.
func WithTektonHubURL(u string) Option {
	return func(r *Resolver) { r.tektonURL = strings.TrimRight(u, "/") }
}

// WithHTTPClient sets the client that calls hubs (default: a client with
// a one-minute timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(r *Resolver) { r.client = c }
}

// New returns a hub Resolver.
func New(opts ...Option) *Resolver {
	r := &Resolver{artifactURL: DefaultArtifactHubURL, client: &http.Client{Timeout: time.Minute}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Name implements resolution.Resolver.
func (r *Resolver) Name() string { return "hub" }

// Pin implements resolution.Resolver: the pin is the version in the hub's
// form, chosen from the hub's list for a constraint. A version that is not
// a release ("latest") is not pinned.
func (r *Resolver) Pin(ctx context.Context, req resolution.Request) (string, bool, error) {
	p, err := parseParams(req, r.artifactURL, r.tektonURL)
	if err != nil {
		return "", false, err
	}
	v, err := r.resolveVersion(ctx, p)
	if err != nil {
		return "", false, err
	}
	if !pinnable(v) {
		return "", false, nil
	}
	return v, true, nil
}

// Fetch implements resolution.Resolver: it fetches version pin (or the
// version param, when pin is "") and records it as Tekton's hub resolver
// does: the URL fetched, and the SHA-256 of the YAML.
func (r *Resolver) Fetch(ctx context.Context, req resolution.Request, pin string) (*resolution.Resolved, error) {
	p, err := parseParams(req, r.artifactURL, r.tektonURL)
	if err != nil {
		return nil, err
	}
	v := pin
	if v == "" {
		if v, err = r.resolveVersion(ctx, p); err != nil {
			return nil, err
		}
	}
	u, data, err := r.yaml(ctx, p, v)
	if err != nil {
		return nil, fmt.Errorf("fetching %s %q version %s from catalog %q: %w", p.kind, p.name, v, p.catalog, err)
	}
	sum := sha256.Sum256(data)
	return &resolution.Resolved{Data: data, RefSource: &v1.RefSource{
		URI:    u,
		Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])},
	}}, nil
}

// resolveVersion is the version p names, in the hub's form.
func (r *Resolver) resolveVersion(ctx context.Context, p params) (string, error) {
	if p.constraint == nil {
		return hubVersion(p.version, p.typ), nil
	}
	versions, err := r.versions(ctx, p)
	if err != nil {
		return "", fmt.Errorf("listing versions of %s %q in catalog %q: %w", p.kind, p.name, p.catalog, err)
	}
	v, ok := p.constraint.choose(versions)
	if !ok {
		return "", fmt.Errorf("no version of %s %q in catalog %q matches %q (the hub lists %s): %w",
			p.kind, p.name, p.catalog, p.version, strings.Join(versions, ", "), resolution.ErrNotFound)
	}
	return hubVersion(v, p.typ), nil
}

// yaml fetches version v of p's object; it returns the URL it fetched.
func (r *Resolver) yaml(ctx context.Context, p params, v string) (string, []byte, error) {
	if p.typ == TypeTekton {
		u := p.base + "/v1/resource/" + path(p.catalog, p.kind, p.name, v) + "/yaml"
		var resp struct {
			Data struct {
				YAML string `json:"yaml"`
			} `json:"data"`
		}
		err := r.getJSON(ctx, u, &resp)
		return u, []byte(resp.Data.YAML), emptyYAML(err, resp.Data.YAML)
	}
	u := p.base + "/api/v1/packages/" + path("tekton-"+p.kind, p.catalog, p.name, v)
	var resp struct {
		Data struct {
			ManifestRaw string `json:"manifestRaw"`
		} `json:"data"`
	}
	err := r.getJSON(ctx, u, &resp)
	return u, []byte(resp.Data.ManifestRaw), emptyYAML(err, resp.Data.ManifestRaw)
}

func emptyYAML(err error, yaml string) error {
	if err == nil && strings.TrimSpace(yaml) == "" {
		return fmt.Errorf("the hub's answer holds no YAML: %w", resolution.ErrNotFound)
	}
	return err
}

// versions lists the versions of p's object the hub has; Artifact Hub's
// prereleases are left out, as Tekton does.
func (r *Resolver) versions(ctx context.Context, p params) ([]string, error) {
	var out []string
	if p.typ == TypeTekton {
		var resp struct {
			Data struct {
				Versions []struct {
					Version string `json:"version"`
				} `json:"versions"`
			} `json:"data"`
		}
		err := r.getJSON(ctx, p.base+"/v1/resource/"+path(p.catalog, p.kind, p.name), &resp)
		for _, v := range resp.Data.Versions {
			out = append(out, v.Version)
		}
		return out, err
	}
	var resp struct {
		AvailableVersions []struct {
			Version    string `json:"version"`
			Prerelease bool   `json:"prerelease"`
		} `json:"available_versions"`
	}
	err := r.getJSON(ctx, p.base+"/api/v1/packages/"+path("tekton-"+p.kind, p.catalog, p.name), &resp)
	for _, v := range resp.AvailableVersions {
		if !v.Prerelease {
			out = append(out, v.Version)
		}
	}
	return out, err
}

// path joins URL path segments, escaping each.
func path(segs ...string) string {
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
