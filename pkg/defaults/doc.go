// Package defaults is the one place where run and spec defaults are
// applied: the admission webhook calls Apply before it stores an object,
// and the reconcilers call it again on what they read (objects stored
// before the webhook existed, or written by the controller itself).
//
// It is pure: Slipway's Config and Tekton's own SetDefaults, no clients.
package defaults
