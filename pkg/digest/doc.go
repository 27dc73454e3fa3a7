// Package digest backs the kaniko catalog task's helper steps: it checks
// that the digest kaniko wrote to its --digest-file is the digest the
// registry serves for the pushed reference (Verify), and it merges Docker
// credentials from a workspace and Tekton-style ServiceAccount secrets into
// one config.json for kaniko and the check (WriteDockerConfig).
//
// It talks to registries only through go-containerregistry's remote package
// and never builds images itself; it does not log.
package digest
