// Package conformance checks Slipway against Tekton's documented
// behaviour on the local cluster: one table row per feature of Tekton's
// v1 and v1beta1 API docs, written the way the docs and the catalog write
// it, with the outcome Tekton documents. Build tag e2e (run by make e2e);
// it prints "N passed, N failed".
package conformance
