// Package hubserver is a fake hub for tests and the local cluster: one
// http.Handler serving, from memory, both APIs Tekton's hub resolver calls
// (and pkg/resolution/hub with it):
//
//	Artifact Hub  GET /api/v1/packages/tekton-{kind}/{catalog}/{name}[/{version}]
//	Tekton Hub    GET /v1/resource/{catalog}/{kind}/{name}[/{version}/yaml]
//
// Each object is stored once; Artifact Hub shows its version as
// major.minor.patch and the Tekton Hub as major.minor, as the real hubs do.
// cmd/hubserver serves a directory of YAML files.
//
// It is test tooling: production code never imports it.
package hubserver
