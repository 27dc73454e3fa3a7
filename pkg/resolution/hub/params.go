package hub

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// The params of a hub reference, as Tekton's hub resolver names them.
const (
	// ParamCatalog is the catalog (Artifact Hub repository) holding the
	// object; see the Default*Catalog constants.
	ParamCatalog = "catalog"
	// ParamType is the kind of hub: TypeArtifact (default) or TypeTekton.
	ParamType = "type"
	// ParamKind is task, pipeline or stepaction (default: the kind the ref
	// expects).
	ParamKind = "kind"
	// ParamName is the object's name in the catalog.
	ParamName = "name"
	// ParamVersion is a version ("0.6", "0.6.0") or a constraint in
	// hashicorp/go-version syntax (">= 0.5.0, < 1.0.0").
	ParamVersion = "version"
	// ParamURL overrides the hub's API URL for this reference.
	ParamURL = "url"
)

// The hub types.
const (
	TypeArtifact = "artifact"
	TypeTekton   = "tekton"
)

// The default catalogs, as Tekton's hubresolver-config ships them. A
// stepaction on Artifact Hub has no default catalog.
const (
	DefaultArtifactTaskCatalog     = "tekton-catalog-tasks"
	DefaultArtifactPipelineCatalog = "tekton-catalog-pipelines"
	DefaultTektonCatalog           = "Tekton"
)

var (
	knownParams = []string{ParamCatalog, ParamType, ParamKind, ParamName, ParamVersion, ParamURL}
	kinds       = []string{"task", "pipeline", "stepaction"}
)

// params are a request's params, checked, with defaults filled in.
type params struct {
	typ, catalog, kind, name string
	// version is the version param; constraint is set when it is one.
	version    string
	constraint constraint
	// base is the hub's API URL, without a trailing slash.
	base string
}

// parseParams checks req's params; artifactURL and tektonURL are the
// configured hubs ("" for none).
func parseParams(req resolution.Request, artifactURL, tektonURL string) (params, error) {
	for _, k := range slices.Sorted(maps.Keys(req.Params)) {
		if !slices.Contains(knownParams, k) {
			return params{}, invalid("unknown param %q (the hub resolver takes %s)", k, strings.Join(knownParams, ", "))
		}
	}
	p := params{
		typ:     cmp.Or(req.Params[ParamType], TypeArtifact),
		kind:    strings.ToLower(cmp.Or(req.Params[ParamKind], req.Kind)),
		name:    req.Params[ParamName],
		version: req.Params[ParamVersion],
		catalog: req.Params[ParamCatalog],
	}
	switch {
	case p.typ != TypeArtifact && p.typ != TypeTekton:
		return params{}, invalid("param %q is %q, want %s or %s", ParamType, p.typ, TypeArtifact, TypeTekton)
	case !slices.Contains(kinds, p.kind):
		return params{}, invalid("param %q is %q, want one of %s", ParamKind, p.kind, strings.Join(kinds, ", "))
	case p.name == "" || p.version == "":
		return params{}, invalid("params %q and %q are required", ParamName, ParamVersion)
	}
	if p.catalog == "" {
		p.catalog = defaultCatalog(p.typ, p.kind)
		if p.catalog == "" {
			return params{}, invalid("param %q is required for kind %s on type %s", ParamCatalog, p.kind, p.typ)
		}
	}
	for _, seg := range []string{p.catalog, p.name, p.version} {
		if seg == "." || seg == ".." {
			return params{}, invalid("%q is not a valid catalog, name or version", seg)
		}
	}
	var err error
	if p.constraint, err = parseConstraint(p.version); err != nil {
		return params{}, invalid("param %q: %v", ParamVersion, err)
	}
	if p.base, err = baseURL(req.Params[ParamURL], p.typ, artifactURL, tektonURL); err != nil {
		return params{}, err
	}
	return p, nil
}

func defaultCatalog(typ, kind string) string {
	switch {
	case typ == TypeTekton:
		return DefaultTektonCatalog
	case kind == "task":
		return DefaultArtifactTaskCatalog
	case kind == "pipeline":
		return DefaultArtifactPipelineCatalog
	}
	return ""
}

// baseURL is the API URL to ask: the url param, else the configured hub.
func baseURL(param, typ, artifactURL, tektonURL string) (string, error) {
	if param != "" {
		u, err := url.Parse(param)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", invalid("param %q is %q, want an absolute http or https URL", ParamURL, param)
		}
		return strings.TrimRight(param, "/"), nil
	}
	base := artifactURL
	if typ == TypeTekton {
		base = tektonURL
	}
	if base == "" {
		return "", invalid("type %s needs a hub URL, and none is configured: set param %q (the Tekton Hub is deprecated; prefer type %s)",
			typ, ParamURL, TypeArtifact)
	}
	return strings.TrimRight(base, "/"), nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", resolution.ErrInvalidParams, fmt.Sprintf(format, args...))
}
