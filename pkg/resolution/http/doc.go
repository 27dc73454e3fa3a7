// Package http is the remote resolver `resolver: http`: it GETs one file
// (a Task, Pipeline or StepAction) from an http or https URL, with the
// params of Tekton's http resolver: url, http-username,
// http-password-secret and http-password-secret-key for basic auth, and
// digest to check the content.
//
// Content at a URL has no identity, so Pin never pins: the Manager fetches
// on every resolution and caches nothing.
//
// It is an I/O leaf package: it reads at most 4 MiB, verifies https with
// the system roots unless given another client, never logs, and never
// touches a run. Errors wrap the sentinels of package resolution and
// never contain a password.
package http
