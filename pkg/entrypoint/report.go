package entrypoint

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// outcome is a step's termination message plus what the shim needs to
// decide its own exit code.
type outcome struct {
	term Termination
	// continuable: the process ran and exited non-zero on its own, the one
	// failure that onError: continue forgives (as in Tekton, timeouts and
	// start failures always fail the step).
	continuable bool
}

// report writes the termination message and the step's marker, and returns
// the shim's exit code.
func (r *Runner) report(o Options, stderr io.Writer, out outcome) int {
	msg := out.term.Marshal()
	sent, err := ParseTermination(string(msg))
	if err != nil { // cannot happen: Marshal always writes a reason
		sent = out.term
	}
	if err := os.WriteFile(o.TerminationPath, msg, 0o644); err != nil {
		fmt.Fprintf(stderr, "entrypoint: writing termination message: %v\n", err)
	}
	if sent.Message != "" && !(out.continuable && sent.Reason == ReasonError) {
		fmt.Fprintf(stderr, "entrypoint: %s\n", sent.Message)
	}
	ok, code := verdict(o.OnError, sent, out.continuable)
	if o.PostFile == "" {
		return code
	}
	post := o.PostFile
	if !ok {
		post += ErrSuffix
	}
	if err := writeMarker(post); err != nil {
		fmt.Fprintf(stderr, "entrypoint: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// verdict says whether the step passes (the next step may run) and the
// shim's exit code.
func verdict(onError string, t Termination, continuable bool) (ok bool, code int) {
	switch {
	case t.Reason == ReasonCompleted:
		return true, 0
	case t.Reason == ReasonSkipped:
		return false, 0
	case continuable && t.Reason == ReasonError && onError == OnErrorContinue:
		return true, 0
	case t.ExitCode == 0:
		return false, 1
	default:
		return false, t.ExitCode
	}
}

// writeMarker creates path atomically (temp file and rename in the same
// directory), so a waiter sees either nothing or the finished marker.
func writeMarker(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	return nil
}
