// Package credentials implements Slipway's equivalent of Tekton's
// creds-init: ServiceAccount secrets annotated tekton.dev/git-<n> or
// tekton.dev/docker-<n> (and docker config secrets) become the files that
// git, ssh and docker clients read from $HOME (see docs/design.md D8).
//
// Plan is pure: it decides from secret metadata (never secret data) which
// credentials apply. Write reads the secrets mounted as directories and
// writes .git-credentials, .gitconfig, .ssh/ and .docker/config.json into a
// target directory; the step entrypoint calls it before step 0 runs.
//
// The package must not import client-go or log: the controller passes it
// metadata it has read, the entrypoint passes it paths.
package credentials
