//go:build tools

// Package tools pins the CoreDNS release that hack/coredns/build.sh compiles
// (its main package, with every plugin of the upstream build). It is its own
// module so the main module's dependencies never move because of CoreDNS's;
// the build tag keeps it out of every normal build.
package tools

import _ "github.com/coredns/coredns"
