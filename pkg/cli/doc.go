// Package cli is the slipway command line, built on cobra and
// k8s.io/cli-runtime as kubectl is. It reads and writes only tekton.dev
// objects and pod logs, and reads archived logs through pkg/logs; it never
// imports a reconciler. Formatting (describe, log prefixes, progress) is
// pure and tested with golden files.
//
// Exit codes: 0 the run succeeded (or the command did its work), 1 the
// command failed, 2 the run it waited for failed, was cancelled or timed
// out.
package cli
