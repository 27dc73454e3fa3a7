package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/quarantine"
	"github.com/slipway-ci/slipway/pkg/resolution"
)

// ConfigMapName is Tekton's ConfigMap of the cluster resolver, read from
// the controller's namespace.
const ConfigMapName = "cluster-resolver-config"

// DefaultCatalogNamespace is the namespace every run may read from unless
// the ConfigMap names another (catalog-namespace) or sets
// allowed-namespaces.
const DefaultCatalogNamespace = "slipway-catalog"

// Resolver reads objects from the cluster.
type Resolver struct {
	c         client.Reader
	configsNS string
}

var (
	_ resolution.Resolver = (*Resolver)(nil)
	_ resolution.Local    = (*Resolver)(nil)
)

// New returns the cluster resolver reading objects (and its ConfigMap in
// configNamespace) through c.
func New(c client.Reader, configNamespace string) *Resolver {
	return &Resolver{c: c, configsNS: configNamespace}
}

// Name implements resolution.Resolver.
func (*Resolver) Name() string { return "cluster" }

// Local implements resolution.Local: answers come from the cache.
func (*Resolver) Local() bool { return true }

// Pin implements resolution.Resolver: cluster objects are not cached.
func (*Resolver) Pin(context.Context, resolution.Request) (string, bool, error) {
	return "", false, nil
}

// Fetch implements resolution.Resolver.
func (r *Resolver) Fetch(ctx context.Context, req resolution.Request, _ string) (*resolution.Resolved, error) {
	pol, err := r.policy(ctx)
	if err != nil {
		return nil, err
	}
	p, err := parseParams(req, pol)
	if err != nil {
		return nil, err
	}
	if err := pol.check(req.Namespace, p.namespace); err != nil {
		return nil, err
	}
	obj, kind, err := newObject(p.kind)
	if err != nil {
		return nil, err
	}
	err = r.c.Get(ctx, types.NamespacedName{Namespace: p.namespace, Name: p.name}, obj)
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w: %s %q not found in namespace %q", resolution.ErrNotFound, kind, p.name, p.namespace)
	case err != nil:
		return nil, fmt.Errorf("reading %s %s/%s: %w", kind, p.namespace, p.name, err)
	}
	if msg, bad := quarantine.Reason(obj); bad {
		return nil, fmt.Errorf("%w: %s %s/%s cannot be decoded: %s", resolution.ErrRefused, kind, p.namespace, p.name, msg)
	}
	return encode(obj, kind)
}

// params are the cluster resolver's params, as Tekton documents them.
type params struct {
	kind, name, namespace string
}

func parseParams(req resolution.Request, pol *policy) (params, error) {
	p := params{kind: pol.defaultKind, namespace: pol.defaultNamespace}
	if p.kind == "" {
		p.kind = strings.ToLower(req.Kind)
	}
	for k, v := range req.Params {
		switch k {
		case "kind":
			p.kind = v
		case "name":
			p.name = v
		case "namespace":
			p.namespace = v
		default:
			return p, fmt.Errorf("%w: unknown param %q (the cluster resolver takes kind, name, namespace)", resolution.ErrInvalidParams, k)
		}
	}
	switch {
	case p.name == "":
		return p, fmt.Errorf("%w: param \"name\" is required", resolution.ErrInvalidParams)
	case p.namespace == "":
		return p, fmt.Errorf("%w: param \"namespace\" is required", resolution.ErrInvalidParams)
	}
	return p, nil
}

// newObject returns an empty object of the param's kind.
func newObject(kind string) (client.Object, string, error) {
	switch kind {
	case "task":
		return &v1.Task{}, "Task", nil
	case "pipeline":
		return &v1.Pipeline{}, "Pipeline", nil
	case "stepaction":
		return &v1beta1.StepAction{}, "StepAction", nil
	}
	return nil, "", fmt.Errorf("%w: param \"kind\" is %q; want task, pipeline or stepaction", resolution.ErrInvalidParams, kind)
}

// encode returns obj's JSON with its type, and its provenance as Tekton's
// cluster resolver records it: the object's API path with its UID, and the
// SHA-256 of its spec.
func encode(obj client.Object, kind string) (*resolution.Resolved, error) {
	gv := v1.SchemeGroupVersion
	if kind == "StepAction" {
		gv = v1beta1.SchemeGroupVersion
	}
	version := gv.Version
	copied := obj.DeepCopyObject().(client.Object)
	copied.GetObjectKind().SetGroupVersionKind(gv.WithKind(kind))
	copied.SetManagedFields(nil)
	data, err := json.Marshal(copied)
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", kind, obj.GetName(), err)
	}
	spec, err := json.Marshal(specOf(obj))
	if err != nil {
		return nil, fmt.Errorf("encoding %s %s: %w", kind, obj.GetName(), err)
	}
	sum := sha256.Sum256(spec)
	uri := fmt.Sprintf("/apis/tekton.dev/%s/namespaces/%s/%ss/%s@%s", version, obj.GetNamespace(),
		strings.ToLower(kind), obj.GetName(), obj.GetUID())
	return &resolution.Resolved{Data: data, RefSource: &v1.RefSource{URI: uri,
		Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}}, nil
}

func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *v1.Task:
		return o.Spec
	case *v1.Pipeline:
		return o.Spec
	case *v1beta1.StepAction:
		return o.Spec
	}
	return nil
}

// policy is the cluster resolver's ConfigMap.
type policy struct {
	defaultKind, defaultNamespace string
	// allowed is nil when allowed-namespaces is not set: then only the
	// run's own namespace and the catalog namespace are allowed.
	allowed map[string]bool
	blocked map[string]bool
	catalog string
}

func (r *Resolver) policy(ctx context.Context) (*policy, error) {
	var cm corev1.ConfigMap
	err := r.c.Get(ctx, types.NamespacedName{Namespace: r.configsNS, Name: ConfigMapName}, &cm)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", r.configsNS, ConfigMapName, err)
	}
	d := cm.Data
	p := &policy{defaultKind: d["default-kind"], defaultNamespace: d["default-namespace"],
		blocked: set(d["blocked-namespaces"]), catalog: DefaultCatalogNamespace}
	if v, ok := d["allowed-namespaces"]; ok {
		p.allowed = set(v)
	}
	if v, ok := d["catalog-namespace"]; ok {
		p.catalog = strings.TrimSpace(v)
	}
	return p, nil
}

// check decides whether a run in runNS may read from ns, naming the list
// that refused it.
func (p *policy) check(runNS, ns string) error {
	if p.blocked[ns] || p.blocked["*"] {
		return fmt.Errorf("%w: namespace %q is in blocked-namespaces of ConfigMap %s", resolution.ErrRefused, ns, ConfigMapName)
	}
	switch {
	case p.allowed == nil && (ns == runNS || (p.catalog != "" && ns == p.catalog)):
		return nil
	case p.allowed == nil:
		return fmt.Errorf("%w: namespace %q is not the run's namespace nor the catalog namespace %q, and ConfigMap %s sets no allowed-namespaces",
			resolution.ErrRefused, ns, p.catalog, ConfigMapName)
	case p.allowed["*"] || p.allowed[ns]:
		return nil
	}
	return fmt.Errorf("%w: namespace %q is not in allowed-namespaces of ConfigMap %s", resolution.ErrRefused, ns, ConfigMapName)
}

// set reads a comma-separated list.
func set(s string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out[f] = true
		}
	}
	return out
}
