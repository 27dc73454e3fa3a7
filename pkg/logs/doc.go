// Package logs archives step logs so that they outlive their pods, behind
// a small Store interface with one backend: OCI artifacts in a registry
// (one artifact per TaskRun attempt, one layer per step).
//
// A log is gzip-compressed and then encrypted with age to a key that only
// the TaskRun holds (its status.annotations): whoever can read the run can
// read its logs, and nobody else can, even with read access to the
// registry. Deleting the TaskRun shreds the key, and with it the logs.
//
// The package is leaf I/O: it never imports a reconciler.
package logs
