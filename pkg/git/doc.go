// Package git clones a git repository at a revision with go-git (no git
// binary), for the git-clone catalog task (cmd/git-init).
//
// Clone accepts a branch, tag, full or short commit SHA, or any ref such as
// refs/pull/1/head, fetches only what it needs (shallow when Depth > 0),
// checks the commit out detached, optionally updates submodules, and reports
// the commit, URL and committer date. Credentials come from Tekton's
// basic-auth and ssh-directory workspace layouts or from ServiceAccount
// secrets mounted the way Tekton's creds-init mounts them (see Secret).
//
// Errors are typed: *URLError for URLs it cannot use, *RevisionNotFoundError,
// *AuthError, and ErrRepositoryNotFound / ErrEmptyRepository sentinels.
//
// It is an I/O leaf package: it does not log unless given a logger, and it
// knows nothing about Kubernetes objects.
package git
