// Package cluster is the `cluster` resolver: a Task, Pipeline or
// StepAction in another namespace of the same cluster, read from the
// controller's cache, under a namespace policy (Tekton's
// cluster-resolver-config ConfigMap; D15). By default a run may only use
// its own namespace and the catalog namespace.
package cluster
