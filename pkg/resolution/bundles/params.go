package bundles

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/resolution"
)

// The params of a bundles reference, as Tekton's bundles resolver names them.
const (
	// ParamBundle is the image reference of the bundle, by tag or digest.
	ParamBundle = "bundle"
	// ParamName is the name of the object in the bundle.
	ParamName = "name"
	// ParamKind is the kind of the object: task, pipeline or stepaction
	// (default: the kind the ref expects).
	ParamKind = "kind"
	// ParamSecret names a kubernetes.io/dockerconfigjson Secret in the
	// run's namespace holding pull credentials (default: anonymous pull).
	ParamSecret = "secret"
	// ParamCache is Tekton's cache mode: always, never or auto. "never"
	// makes Pin answer not ok, so every run fetches the bundle again.
	ParamCache = "cache"

	// paramServiceAccount is Tekton's other way to name credentials, which
	// Slipway does not support (resolvers read Secrets, not ServiceAccounts).
	paramServiceAccount = "serviceAccount"
)

var (
	knownParams = []string{ParamBundle, ParamName, ParamKind, ParamSecret, ParamCache}
	kinds       = []string{"task", "pipeline", "stepaction"}
	cacheModes  = []string{"always", "never", "auto"}
)

// params are a request's params, checked.
type params struct {
	// ref is the bundle, with insecure registries marked.
	ref    name.Reference
	name   string
	kind   string // lowercase, one of kinds
	secret string
	cache  string
}

// parseParams checks req's params; insecure lists the plain-HTTP registries.
func parseParams(req resolution.Request, insecure []string) (params, error) {
	for _, k := range slices.Sorted(maps.Keys(req.Params)) {
		if k == paramServiceAccount {
			return params{}, fmt.Errorf("%w: param %q is not supported: name a %s Secret in param %q instead",
				resolution.ErrInvalidParams, k, corev1.SecretTypeDockerConfigJson, ParamSecret)
		}
		if !slices.Contains(knownParams, k) {
			return params{}, fmt.Errorf("%w: unknown param %q (the bundles resolver takes %s)",
				resolution.ErrInvalidParams, k, strings.Join(knownParams, ", "))
		}
	}
	p := params{
		name:   req.Params[ParamName],
		kind:   strings.ToLower(req.Params[ParamKind]),
		secret: req.Params[ParamSecret],
		cache:  req.Params[ParamCache],
	}
	if p.kind == "" {
		p.kind = strings.ToLower(req.Kind)
	}
	bundle := req.Params[ParamBundle]
	switch {
	case bundle == "":
		return params{}, fmt.Errorf("%w: param %q is required", resolution.ErrInvalidParams, ParamBundle)
	case p.name == "":
		return params{}, fmt.Errorf("%w: param %q is required", resolution.ErrInvalidParams, ParamName)
	case !slices.Contains(kinds, p.kind):
		return params{}, fmt.Errorf("%w: param %q is %q, want one of %s",
			resolution.ErrInvalidParams, ParamKind, p.kind, strings.Join(kinds, ", "))
	case p.cache != "" && !slices.Contains(cacheModes, p.cache):
		return params{}, fmt.Errorf("%w: param %q is %q, want one of %s",
			resolution.ErrInvalidParams, ParamCache, p.cache, strings.Join(cacheModes, ", "))
	}
	ref, err := image.Reference(bundle, nil, insecure)
	if err != nil {
		return params{}, fmt.Errorf("%w: param %q: %w", resolution.ErrInvalidParams, ParamBundle, err)
	}
	p.ref = ref
	return p, nil
}
