// Package bundles resolves Tekton bundle references (`resolver: bundles`):
// it reads one Task, Pipeline or StepAction out of an OCI image laid out as
// Tekton's bundle contract v0.1 describes (one object per layer, each layer
// annotated with dev.tekton.image.apiVersion, .kind and .name), and pins the
// reference to the image's manifest digest. Build and Push write such
// images, for tests and for users (hack/bundle).
//
// It takes the same params as Tekton's bundles resolver (bundle, name, kind,
// secret, cache), except serviceAccount: pull credentials come only from the
// kubernetes.io/dockerconfigjson Secret named by `secret`.
//
// It does registry I/O only: it must not decode or validate the object it
// returns (pkg/resolution does), touch a run, or log.
package bundles
