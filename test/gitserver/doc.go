// Package gitserver is a small smart-HTTP git server for tests and the local
// demo cluster. It serves every repository under a root directory through
// `git http-backend` (CGI, from the git package of the host), optionally behind
// HTTP basic auth, and builds fixture repositories with go-git (Repo,
// CreateSampleApp).
//
// It is test tooling: production code never imports it. It needs the `git`
// binary on the host that runs the server; clients (pkg/git) do not.
package gitserver
