// Package hub resolves Tekton Hub references (`resolver: hub`): it fetches
// one Task, Pipeline or StepAction from Artifact Hub (type artifact, the
// default) or a Tekton Hub instance (type tekton), with the params and API
// calls of Tekton's hub resolver. A version names immutable content, so Pin
// answers the version; a version constraint (">= 0.5, < 1") is pinned to the
// highest matching version the hub lists.
//
// It does HTTP I/O only: it must not decode or validate the object it
// returns (pkg/resolution does), touch a run, or log. test/hubserver serves
// both APIs for tests.
package hub
