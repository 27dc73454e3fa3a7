// Package ingress is a test-only Knative networking layer for the local
// cluster, where no Envoy-based ingress is available. A controller watches
// networking.internal.knative.dev/v1alpha1 Ingress objects (KIngress) of its
// own ingress class, compiles them into a routing Table (hosts, tag hosts,
// header matches, weighted splits, appended headers, host rewrites) that an
// in-process reverse proxy serves, and marks them Ready so that Knative
// Routes and Services become Ready.
//
// KIngress objects are handled as unstructured, so the main module does not
// import knative.dev/networking. It is not for production: no TLS, no HTTP/2
// upstreams, no probing of the data path.
package ingress
