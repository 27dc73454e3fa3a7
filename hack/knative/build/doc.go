// Package build is a throwaway module that pins knative.dev/serving v0.50.0
// so that hack/knative/build.sh can build Knative's commands from the Go
// module proxy. The main module never depends on Knative.
package build
