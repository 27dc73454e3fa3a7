//go:build tools

// Package tools pins the kaniko executor that hack/kaniko/build.sh compiles.
// It is its own module so the main module's dependencies (k8s.io, ggcr) never
// move because of kaniko's; the build tag keeps it out of every normal build.
package tools

import _ "github.com/GoogleContainerTools/kaniko/cmd/executor"
