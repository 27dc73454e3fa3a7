// Package config reads Slipway's ConfigMap into an immutable Config. The
// reconcilers read it once per reconcile and pass it down as an argument;
// nothing below them reads configuration from a context.
package config
