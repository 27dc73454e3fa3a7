// Package git is the remote resolver `resolver: git`: it fetches one file
// (a Task, Pipeline or StepAction) from a git repository at a revision,
// with the params of Tekton's git resolver in its clone mode: url,
// revision, pathInRepo, and gitToken/gitTokenKey for private repositories.
//
// Pin lists the remote's refs and answers the commit a branch or tag
// points to (a full commit SHA needs no network); Fetch clones into memory
// (shallow when it can), checks out nothing, and reads the file from that
// commit's tree, so a run pinned to a commit keeps its content after the
// branch moves.
//
// Credentials come from the Secret named by gitToken in the run's
// namespace: a token (HTTP basic auth as user "git", as Tekton does), a
// kubernetes.io/basic-auth Secret (its username and password), or a
// kubernetes.io/ssh-auth Secret (its ssh-privatekey, and known_hosts when
// present) for ssh URLs.
//
// Tekton's SCM API mode (repo, org, token, scmType, serverURL) is refused.
//
// It is an I/O leaf package: no disk (the controller's root file system is
// read-only), no git binary, no logging, and it never touches a run.
// Errors wrap the sentinels of package resolution and never contain a
// password or token.
package git
