//go:build e2e

// Package e2e runs Slipway end to end on the local cluster that `make up`
// brings up: real kube-apiserver, real kubelet, real pods. Run it with
// `make e2e`, or `go test -tags e2e ./test/e2e/...` with KUBECONFIG set.
package e2e
