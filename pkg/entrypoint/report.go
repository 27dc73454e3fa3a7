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
	// whenSkipped: the step's when expressions kept it from running; that
	// is no failure, the next step runs.
	whenSkipped bool
}

// report posts the step's marker, writes the termination message and
// returns the shim's exit code. The marker goes first: the next step is
// waiting for it, while the termination message is only read once this
// container has exited.
func (r *Runner) report(o Options, stderr io.Writer, out outcome) int {
	msg := out.term.MarshalWithin(o.TerminationBudget)
	sent, err := ParseTermination(string(msg))
	if err != nil { // cannot happen: Marshal always writes a reason
		sent = out.term
	}
	ok, code := verdict(o.OnError, sent, out)
	if o.PostFile != "" {
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
	}
	if err := os.WriteFile(o.TerminationPath, msg, 0o644); err != nil {
		fmt.Fprintf(stderr, "entrypoint: writing termination message: %v\n", err)
	}
	if sent.Message != "" && !(out.continuable && sent.Reason == ReasonError) && !out.whenSkipped {
		fmt.Fprintf(stderr, "entrypoint: %s\n", sent.Message)
	}
	return code
}

// verdict says whether the step passes (the next step may run) and the
// shim's exit code.
func verdict(onError string, t Termination, out outcome) (ok bool, code int) {
	switch {
	case t.Reason == ReasonCompleted:
		return true, 0
	case t.Reason == ReasonSkipped:
		// After a failure the next step is skipped too; after false when
		// expressions it runs.
		return out.whenSkipped, 0
	case out.continuable && t.Reason == ReasonError && onError == OnErrorContinue:
		return true, 0
	case t.ExitCode == 0:
		return false, 1
	default:
		return false, t.ExitCode
	}
}

// writeMarker creates the empty file path. Creating an empty file is
// atomic by itself: a waiter sees either no marker or the whole of it, so
// no temporary file and rename are needed (they cost two more syscalls on
// the handoff path, about as much again as the create).
func writeMarker(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return fmt.Errorf("posting marker %s: %w", path, err)
	}
	return nil
}
