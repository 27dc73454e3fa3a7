//go:build tools

// Package tools pins the Kubernetes server commands that hack/k8s/build.sh
// compiles. It lives in its own module so the main module never depends on
// k8s.io/kubernetes; the build tag keeps it out of every normal build.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
