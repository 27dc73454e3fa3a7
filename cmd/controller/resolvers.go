package main

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/bundles"
	clusterresolver "github.com/slipway-ci/slipway/pkg/resolution/cluster"
	"github.com/slipway-ci/slipway/pkg/resolution/git"
	resolverhttp "github.com/slipway-ci/slipway/pkg/resolution/http"
	"github.com/slipway-ci/slipway/pkg/resolution/hub"
)

// newResolution builds the remote resolution Manager with every resolver
// (D15). Secrets are read from the API server, never cached. The hubs'
// URLs come from Tekton's environment variables ARTIFACT_HUB_API and
// TEKTON_HUB_API, as for Tekton's resolvers deployment.
func newResolution(mgr ctrl.Manager, o Options) (*resolution.Manager, error) {
	reader := mgr.GetAPIReader()
	secrets := func(ctx context.Context, ns, name string) (*corev1.Secret, error) {
		var s corev1.Secret
		err := reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &s)
		return &s, err
	}
	var hubOpts []hub.Option
	if u := os.Getenv("ARTIFACT_HUB_API"); u != "" {
		hubOpts = append(hubOpts, hub.WithArtifactHubURL(u))
	}
	if u := os.Getenv("TEKTON_HUB_API"); u != "" {
		hubOpts = append(hubOpts, hub.WithTektonHubURL(u))
	}
	m, err := resolution.NewMetrics(metrics.Registry)
	if err != nil {
		return nil, fmt.Errorf("registering resolution metrics: %w", err)
	}
	resolvers := []resolution.Resolver{
		git.New(secrets),
		bundles.New(secrets, bundles.WithInsecureRegistriesFrom(func(ctx context.Context) []string {
			cfg, err := cluster.Load(ctx, mgr.GetClient(), o.Namespace)
			if err != nil {
				return nil
			}
			return cfg.InsecureRegistries
		})),
		clusterresolver.New(mgr.GetClient(), o.Namespace),
		hub.New(hubOpts...),
		resolverhttp.New(secrets),
	}
	return resolution.NewManager(resolvers, resolution.WithMetrics(m)), nil
}
