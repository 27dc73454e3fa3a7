// Package crdschema derives structural OpenAPI v3 schemas for the CRDs from
// the Go types the controller decodes them into (Tekton's API types and the
// core Kubernetes types they embed), so the API server itself refuses an
// object whose fields have the wrong JSON type: such an object would stop
// the controller's informer from listing anything of its kind.
//
// The schemas type every known field but keep unknown fields
// (x-kubernetes-preserve-unknown-fields on every object): the admission
// webhook, not the API server's pruning, refuses unknown fields, so a typo
// is refused with its path for every client instead of silently dropped for
// clients that do not ask for strict field validation (docs/design.md D16).
//
// The package is pure reflection: no clients, no I/O. hack/crdgen writes
// its output into config/.
package crdschema
