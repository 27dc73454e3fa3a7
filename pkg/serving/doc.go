// Package serving rolls out a Knative Serving Service (serving.knative.dev/v1)
// whose Revision is pinned to an image digest and named after a commit.
//
// The translation from Options to the desired Service, the traffic split and
// the rollout check are pure functions over unstructured objects (the main
// module does not import Knative's Go types). Deploy orchestrates them over a
// small Client interface; NewDynamicClient implements it with client-go.
//
// It must not shell out (no kn CLI) and must not log: callers report.
package serving
