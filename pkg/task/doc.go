// Package task is the TaskRun reconciler. It only orchestrates: it reads the
// TaskRun and its Task, calls the pure translation code (pkg/substitution,
// pkg/resources, and Status in this package), performs the few writes (PVCs,
// the Pod, the TaskRun status, events) and returns.
//
// It must not build Pods itself, parse entrypoint args, or read configuration
// anywhere but once per reconcile at the top of Reconcile.
package task
