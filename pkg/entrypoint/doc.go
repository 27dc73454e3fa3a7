// Package entrypoint is the shim that runs inside every step container.
//
// It owns the controller↔entrypoint contract: Options turns into a step
// container's args (Args) and back (Parse), and Termination is the JSON the
// shim writes as the container's termination message and the controller
// parses into TaskRun status. No flag name or JSON key is spelled anywhere
// else.
//
// The runtime part (Run) waits for the previous step's marker file, runs the
// step's process, records exit code, timing and results, and posts its own
// marker so that the next step starts. It must not talk to the Kubernetes API.
package entrypoint
