package entrypoint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDebugScripts: each script marks the paused step's decision where
// the shim waits for it.
func TestDebugScripts(t *testing.T) {
	t.Parallel()
	for name, a := range debugScripts {
		s := debugScript("/d", name, a)
		want := `"$f` + breakpointExit + `"`
		if strings.Contains(name, "fail") {
			want = `"$f` + breakpointExit + ErrSuffix + `"`
		}
		if !strings.Contains(s, want) || !strings.HasPrefix(s, "#!/bin/sh\n") || !strings.Contains(s, "/d/info/current") {
			t.Errorf("%s:\n%s", name, s)
		}
	}
}

// answerBreakpoint does what a debug script does once the step whose
// marker is post says it is paused (info): continue, or fail.
func answerBreakpoint(info, post string, cont bool) {
	for {
		if b, err := os.ReadFile(info); err == nil && string(b) == post {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	marker := post + breakpointExit
	if !cont {
		marker += ErrSuffix
	}
	_ = os.WriteFile(marker, nil, 0o644)
}

// TestBreakOnFailure: a failed step waits at its breakpoint; the continue
// marker turns it into a success, the fail marker keeps the failure.
func TestBreakOnFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	info := filepath.Join(dir, "info", "current")
	for _, cont := range []bool{true, false} {
		post := filepath.Join(t.TempDir(), "out")
		o := Options{Step: "s", PostFile: post, BreakOnFailure: true}
		go answerBreakpoint(info, post, cont)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var stderr bytes.Buffer
		res := NewRunner(withoutSignals(), withDebugDir(dir)).breakOnFailure(ctx, o, execResult{exitCode: 3}, &stderr)
		cancel()
		if want := map[bool]int{true: 0, false: 3}[cont]; res.exitCode != want {
			t.Errorf("continue=%v: exit code %d, want %d", cont, res.exitCode, want)
		}
		if !strings.Contains(stderr.String(), "debug-continue") {
			t.Errorf("no hint in %q", stderr.String())
		}
	}
}

// TestBreakBefore: a step paused before it runs runs on continue, and
// fails without running on fail.
func TestBreakBefore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	info := filepath.Join(dir, "info", "current")
	for _, cont := range []bool{true, false} {
		post := filepath.Join(t.TempDir(), "out")
		go answerBreakpoint(info, post, cont)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var stderr bytes.Buffer
		out := NewRunner(withoutSignals(), withDebugDir(dir)).breakBefore(ctx, Options{Step: "s", PostFile: post, BreakBefore: true}, &stderr)
		cancel()
		if (out == nil) != cont {
			t.Errorf("continue=%v: outcome %+v", cont, out)
		}
		if out != nil && !strings.Contains(out.term.Message, "debug-beforestep-fail-continue") {
			t.Errorf("message %q", out.term.Message)
		}
		if !strings.Contains(stderr.String(), "debug-beforestep-continue") {
			t.Errorf("no hint in %q", stderr.String())
		}
	}
}
