// Package cluster reads Slipway's Config from the ConfigMap in the cluster.
// It is the I/O half of pkg/config, kept apart so that pure packages such as
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

// Load reads the ConfigMap from namespace through c; a missing ConfigMap
// means the defaults.
func Load(ctx context.Context, c client.Reader, namespace string) (*config.Config, error) {
	cm := &corev1.ConfigMap{}
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: config.ConfigMapName}, cm)
	if apierrors.IsNotFound(err) {
		return config.FromConfigMap(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", namespace, config.ConfigMapName, err)
	}
	return config.FromConfigMap(cm)
}
