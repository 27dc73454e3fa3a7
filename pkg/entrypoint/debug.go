package entrypoint

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Tekton's debug paths (TaskRun spec.debug): the scripts a user runs in a
// paused step's container, and where the paused step says it waits.
const (
	DebugDir = "/tekton/debug"
	// breakpointExit is appended to a step's PostFile: the file a debug
	// script creates to let the paused step go on (with ErrSuffix: as a
	// failure).
	breakpointExit = ".breakpointexit"
)

// debugAction is what a debug script says and whether it fails the step.
type debugAction struct {
	says string
	fail bool
}

// debugScripts are the scripts of Tekton's debug documentation: the
// first two end a breakpoint on failure, the others one before a step.
var debugScripts = map[string]debugAction{
	"debug-continue":                 {says: "continue: the step counts as succeeded"},
	"debug-fail-continue":            {says: "fail: the step counts as failed", fail: true},
	"debug-beforestep-continue":      {says: "continue: the step runs"},
	"debug-beforestep-fail-continue": {says: "fail: the step fails without running", fail: true},
}

// debugScript is the script name in the debug directory dir.
func debugScript(dir, name string, a debugAction) string {
	marker := `"$f` + breakpointExit + `"`
	if a.fail {
		marker = `"$f` + breakpointExit + ErrSuffix + `"`
	}
	return "#!/bin/sh\nset -e\nf=$(cat " + filepath.Join(dir, "info", "current") + ")\ntouch " + marker + "\necho '" + name + ": " + a.says + "'\n"
}

// pause holds the step at a breakpoint until a debug script ends it and
// reports whether it said continue (false: fail).
func (r *Runner) pause(ctx context.Context, o Options, stderr io.Writer, at string) (bool, error) {
	scripts, info := filepath.Join(r.debugDir, "scripts"), filepath.Join(r.debugDir, "info", "current")
	if err := os.MkdirAll(filepath.Dir(info), 0o755); err != nil {
		return false, err
	}
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		return false, err
	}
	for name, a := range debugScripts {
		if err := os.WriteFile(filepath.Join(scripts, name), []byte(debugScript(r.debugDir, name, a)), 0o755); err != nil {
			return false, fmt.Errorf("writing debug script %s: %w", name, err)
		}
	}
	if err := os.WriteFile(info, []byte(o.PostFile), 0o644); err != nil {
		return false, err
	}
	defer os.Remove(info)
	fmt.Fprintf(stderr, "entrypoint: step %q paused %s (TaskRun spec.debug): exec into container step-%s and run %s/debug%s-continue, or %s/debug%s-fail-continue\n",
		o.Step, at, o.Step, scripts, beforeInfix(at), scripts, beforeInfix(at))
	failed, err := newWaiter(o.PostFile+breakpointExit, r.pollInterval).wait(ctx)
	return !failed, err
}

func beforeInfix(at string) string {
	if at == atBeforeStep {
		return "-beforestep"
	}
	return ""
}

const (
	atFailure    = "after failing"
	atBeforeStep = "before running"
)

// breakOnFailure pauses a step whose process failed when the TaskRun
// asks for it (breakpoints.onFailure); debug-continue makes it a success.
func (r *Runner) breakOnFailure(ctx context.Context, o Options, res execResult, stderr io.Writer) execResult {
	if !o.BreakOnFailure || res.exitCode == 0 || res.startErr != nil || res.cancelled {
		return res
	}
	if ok, err := r.pause(ctx, o, stderr, atFailure); err == nil && ok {
		res.exitCode, res.timedOut = 0, false
	}
	return res
}

// breakBefore pauses the step before it runs (breakpoints.beforeSteps); a
// non-nil outcome means it must not run.
func (r *Runner) breakBefore(ctx context.Context, o Options, stderr io.Writer) *outcome {
	if !o.BreakBefore {
		return nil
	}
	ok, err := r.pause(ctx, o, stderr, atBeforeStep)
	if err == nil && ok {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("failed at its breakpoint by debug-beforestep-fail-continue")
	}
	out := r.notStarted(o, "did not run", err)
	return &out
}
