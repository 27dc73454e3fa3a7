// Package entrypoint is the shim that runs inside every step container.
//
// It owns the controller↔entrypoint contract: Options turns into a step
// container's args (Args) and back (Parse), and Termination is the JSON the
// shim writes as the container's termination message and the controller
// parses into TaskRun status. No flag name or JSON key is spelled anywhere
// else.
//
// The runtime part (Run, Runner) does, for one step:
//
//   - wait: block until the previous step's marker (WaitFile) or its failure
//     marker (WaitFile+ErrSuffix) exists, watching the directory with inotify
//     and falling back to polling. After a failure the step does not run: it
//     reports ReasonSkipped, posts its own failure marker and exits 0.
//   - credentials: with Credentials, write git, ssh and docker credential
//     files from the mounted ServiceAccount secrets (the first step into
//     CredsDir and the shared HomeDir; a step whose $HOME is elsewhere into
//     its own $HOME too). A malformed secret fails the step before it runs.
//   - execute: write Script (a script without "#!" runs with /bin/sh and
//     set -e) or take Command, and run it in its own process group with
//     stdin closed. SIGTERM/SIGINT are forwarded to the group; on Timeout the
//     group gets SIGTERM, then SIGKILL after the kill grace.
//   - collect: exit code (127 if the process could not start, 128+N if killed
//     by signal N), start and finish times, and the result files this step
//     wrote (changed since the step started), raw.
//   - report: post PostFile (or PostFile+ErrSuffix on failure), then write the
//     termination message. onError: continue forgives only a non-zero exit of
//     the process itself; timeouts, start failures and oversized results
//     always fail the step, as in Tekton.
//
// In install mode (CopyTo) the binary copies itself atomically and exits, or
// with WaitAfterCopy keeps running until SIGTERM (the node installer).
//
// It must not talk to the Kubernetes API, and it never logs except the
// shim's own failures, written to the container's stderr.
package entrypoint
