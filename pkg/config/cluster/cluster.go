// Package cluster reads Slipway's Config from the ConfigMaps in the cluster
// (slipway-config and Tekton's feature-flags and config-defaults). It is
// the I/O half of pkg/config, kept apart so that pure packages such as
// pkg/resources can use config.Config without pulling in a client.
package cluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config"
)

// Load reads the ConfigMaps from namespace through c (the controller's
// cache, so this costs no request); a missing ConfigMap means its defaults.
func Load(ctx context.Context, c client.Reader, namespace string) (*config.Config, error) {
	maps, err := read(ctx, c, namespace)
	if err != nil {
		return nil, err
	}
	return config.FromConfigMaps(maps[0], config.TektonConfigMaps{FeatureFlags: maps[1], Defaults: maps[2]})
}

// names are the ConfigMaps read, in the order read returns them.
var names = []string{config.ConfigMapName, config.FeatureFlagsName, config.DefaultsName}

func read(ctx context.Context, c client.Reader, namespace string) ([]*corev1.ConfigMap, error) {
	out := make([]*corev1.ConfigMap, len(names))
	for i, name := range names {
		cm := &corev1.ConfigMap{}
		err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, cm)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", namespace, name, err)
		default:
			out[i] = cm
		}
	}
	return out, nil
}
