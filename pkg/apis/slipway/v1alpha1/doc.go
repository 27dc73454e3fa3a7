// Package v1alpha1 holds Slipway's own API kinds (group slipway.dev), for
// what Tekton's types have no place for. Tekton's kinds are never changed.
package v1alpha1
