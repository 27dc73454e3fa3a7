// Package image looks up what Slipway needs from container images in
// registries: the ENTRYPOINT and CMD of a step image that gives no command
// (docs/design.md D6). It does registry I/O with go-containerregistry behind
// the small Resolver interface; caching is a decorator (NewCache).
//
// It must not know about Pods or TaskRuns, and it never logs.
package image
