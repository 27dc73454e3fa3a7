package entrypoint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// chain describes steps of one pod sharing a temp dir, like a step pod's
// volumes.
type chain struct {
	dir string
}

func newChain(t *testing.T) chain {
	t.Helper()
	return chain{dir: t.TempDir()}
}

// step returns the Options the controller would give step i of the chain.
func (c chain) step(i int, name string) Options {
	o := Options{
		Step:            name,
		PostFile:        filepath.Join(c.dir, "run", fmt.Sprint(i), "out"),
		ResultsDir:      filepath.Join(c.dir, "results"),
		ScriptsDir:      filepath.Join(c.dir, "scripts"),
		TerminationPath: filepath.Join(c.dir, "term-"+name),
	}
	if i > 0 {
		o.WaitFile = filepath.Join(c.dir, "run", fmt.Sprint(i-1), "out")
	}
	return o
}

func (c chain) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "log"))
	return string(b)
}

// appendLog is a script line recording that a step ran.
func (c chain) appendLog(name string) string {
	return fmt.Sprintf("echo %s >> %q\n", name, filepath.Join(c.dir, "log"))
}

type stepRun struct {
	code   int
	term   Termination
	stdout string
	stderr string
}

func run(t *testing.T, r *Runner, o Options) stepRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := r.Run(context.Background(), o, &stdout, &stderr)
	return stepRun{code: code, term: readTermination(t, o.TerminationPath), stdout: stdout.String(), stderr: stderr.String()}
}

func readTermination(t *testing.T, path string) Termination {
	t.Helper()
	term, err := readTerminationFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

func readTerminationFile(path string) (Termination, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Termination{}, err
	}
	return ParseTermination(string(b))
}

// runAll starts every step at once, as the kubelet starts a pod's
// containers, and returns their runs in step order.
func runAll(t *testing.T, r *Runner, steps []Options) []stepRun {
	t.Helper()
	out := make([]stepRun, len(steps))
	var wg sync.WaitGroup
	for i := len(steps) - 1; i >= 0; i-- { // later steps first, to make waiting matter
		wg.Go(func() { out[i] = run(t, r, steps[i]) })
	}
	wg.Wait()
	return out
}

type summary struct {
	Code     int
	Reason   string
	ExitCode int
}

func summarize(runs []stepRun) []summary {
	var s []summary
	for _, r := range runs {
		s = append(s, summary{Code: r.code, Reason: r.term.Reason, ExitCode: r.term.ExitCode})
	}
	return s
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestRunChains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		poll     time.Duration
		scripts  [3]string // after the log line
		onError  [3]string
		wantLog  string
		want     []summary
		wantPost [3]string // "out" or "out.err"
	}{{
		name:     "in order",
		scripts:  [3]string{"sleep 0.2", "", ""},
		wantLog:  "a\nb\nc\n",
		want:     []summary{{0, ReasonCompleted, 0}, {0, ReasonCompleted, 0}, {0, ReasonCompleted, 0}},
		wantPost: [3]string{"out", "out", "out"},
	}, {
		name:     "in order when polling",
		poll:     5 * time.Millisecond,
		scripts:  [3]string{"sleep 0.1", "", ""},
		wantLog:  "a\nb\nc\n",
		want:     []summary{{0, ReasonCompleted, 0}, {0, ReasonCompleted, 0}, {0, ReasonCompleted, 0}},
		wantPost: [3]string{"out", "out", "out"},
	}, {
		name:     "skip after failure",
		scripts:  [3]string{"", "exit 3", ""},
		wantLog:  "a\nb\n",
		want:     []summary{{0, ReasonCompleted, 0}, {3, ReasonError, 3}, {0, ReasonSkipped, 0}},
		wantPost: [3]string{"out", "out.err", "out.err"},
	}, {
		name:     "on error continue",
		scripts:  [3]string{"exit 5", "", ""},
		onError:  [3]string{OnErrorContinue, "", ""},
		wantLog:  "a\nb\nc\n",
		want:     []summary{{0, ReasonError, 5}, {0, ReasonCompleted, 0}, {0, ReasonCompleted, 0}},
		wantPost: [3]string{"out", "out", "out"},
	}, {
		name:     "on error stop and fail",
		scripts:  [3]string{"exit 5", "", ""},
		onError:  [3]string{OnErrorStopAndFail, "", ""},
		wantLog:  "a\n",
		want:     []summary{{5, ReasonError, 5}, {0, ReasonSkipped, 0}, {0, ReasonSkipped, 0}},
		wantPost: [3]string{"out.err", "out.err", "out.err"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			var steps []Options
			for i, name := range []string{"a", "b", "c"} {
				o := c.step(i, name)
				o.Script = c.appendLog(name) + tc.scripts[i]
				o.OnError = tc.onError[i]
				steps = append(steps, o)
			}
			runs := runAll(t, NewRunner(withoutSignals(), withPollInterval(tc.poll)), steps)
			if diff := cmp.Diff(tc.want, summarize(runs)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if got := c.log(); got != tc.wantLog {
				t.Errorf("steps ran as %q, want %q", got, tc.wantLog)
			}
			for i, o := range steps {
				if p := filepath.Join(filepath.Dir(o.PostFile), tc.wantPost[i]); !exists(p) {
					t.Errorf("step %d did not post %s", i, tc.wantPost[i])
				}
			}
		})
	}
}

func TestRunSkippedMessage(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	o := c.step(1, "late")
	o.Script = c.appendLog("late")
	if err := writeMarker(o.WaitFile + ErrSuffix); err != nil {
		t.Fatal(err)
	}
	got := run(t, NewRunner(withoutSignals()), o)
	if got.code != 0 || got.term.Reason != ReasonSkipped || !strings.Contains(got.term.Message, `step "late"`) {
		t.Errorf("got %+v, want a skipped step naming itself", got)
	}
	if c.log() != "" {
		t.Errorf("skipped step ran: %q", c.log())
	}
}

func TestRunProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		script     string
		command    []string
		want       summary
		wantStdout string
		wantMsg    string
	}{
		{name: "exit 0", command: []string{"true"}, want: summary{0, ReasonCompleted, 0}},
		{name: "exit code kept", command: []string{"sh", "-c", "exit 42"}, want: summary{42, ReasonError, 42}, wantMsg: "exited with code 42"},
		{name: "command output", command: []string{"printf", "%s-%s", "a", "b"}, want: summary{0, ReasonCompleted, 0}, wantStdout: "a-b"},
		{name: "command not found", command: []string{"no-such-command-xyz"}, want: summary{127, ReasonError, 127}, wantMsg: "could not start"},
		{name: "no stdin", command: []string{"cat"}, want: summary{0, ReasonCompleted, 0}},
		{name: "script without shebang stops at first failure", script: "echo one\nfalse\necho two\n", want: summary{1, ReasonError, 1}, wantStdout: "one\n"},
		{name: "script with shebang runs as written", script: "#!/bin/sh\nfalse\necho two\n", want: summary{0, ReasonCompleted, 0}, wantStdout: "two\n"},
		{name: "script with shebang exit code", script: "#!/bin/sh\nexit 7\n", want: summary{7, ReasonError, 7}},
		{name: "script arguments", script: `printf '%s|%s' "$1" "$2"`, command: []string{"x y", "z"}, want: summary{0, ReasonCompleted, 0}, wantStdout: "x y|z"},
		{name: "script sees environment", script: `printf %s "$PATH"`, want: summary{0, ReasonCompleted, 0}, wantStdout: os.Getenv("PATH")},
		{name: "killed by signal", script: "kill -9 $$", want: summary{137, ReasonError, 137}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			o := c.step(0, "s")
			o.Script, o.Command = tc.script, tc.command
			got := run(t, NewRunner(withoutSignals()), o)
			if diff := cmp.Diff(tc.want, summarize([]stepRun{got})[0]); diff != "" {
				t.Errorf("step (-want +got):\n%s", diff)
			}
			if got.stdout != tc.wantStdout {
				t.Errorf("stdout = %q, want %q", got.stdout, tc.wantStdout)
			}
			if !strings.Contains(got.term.Message, tc.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", got.term.Message, tc.wantMsg)
			}
			if got.term.StartedAt.IsZero() || got.term.FinishedAt.Before(got.term.StartedAt) {
				t.Errorf("times: started %v, finished %v", got.term.StartedAt, got.term.FinishedAt)
			}
		})
	}
}

func TestRunScriptFile(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	o := c.step(0, "build")
	o.Script = "true"
	for range 2 { // the second run finds the name taken
		if got := run(t, NewRunner(withoutSignals()), o); got.code != 0 {
			t.Fatalf("got %+v", got)
		}
	}
	entries, err := os.ReadDir(o.ScriptsDir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("scripts dir: %v, %v", entries, err)
	}
	fi, err := os.Stat(filepath.Join(o.ScriptsDir, "build-script"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("script mode = %v, want 0755", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(o.ScriptsDir, "build-script"))
	if want := defaultScriptHeader + "true"; string(b) != want {
		t.Errorf("script = %q, want %q", b, want)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   string
		wantCode int
	}{
		{name: "stopped by SIGTERM", script: "sleep 30", wantCode: 143},
		{name: "SIGKILL after the grace", script: "trap '' TERM\nsleep 30\n", wantCode: 137},
		{name: "grandchildren too", script: "sh -c 'trap \"\" TERM; sleep 30' &\necho $! > \"$1\"\nwait\n", wantCode: 143},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			o := c.step(0, "slow")
			pidFile := filepath.Join(c.dir, "grandchild")
			o.Script, o.Timeout, o.Command = tc.script, 100*time.Millisecond, []string{pidFile}
			start := time.Now()
			got := run(t, NewRunner(withoutSignals(), WithKillGrace(200*time.Millisecond)), o)
			// Not a timing assertion: only that sleep 30 did not run out.
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("step took %v: the timeout did not stop it", d)
			}
			want := summary{tc.wantCode, ReasonTimeoutExceeded, tc.wantCode}
			if diff := cmp.Diff(want, summarize([]stepRun{got})[0]); diff != "" {
				t.Errorf("step (-want +got):\n%s", diff)
			}
			if !strings.Contains(got.term.Message, "timeout of 100ms") {
				t.Errorf("message %q does not name the timeout", got.term.Message)
			}
			if !exists(o.PostFile + ErrSuffix) {
				t.Error("no failure marker")
			}
			if b, err := os.ReadFile(pidFile); err == nil {
				waitGone(t, strings.TrimSpace(string(b)))
			}
		})
	}
}

// waitGone fails the test if process pid is still alive (not a zombie)
// after a few seconds.
func waitGone(t *testing.T, pid string) {
	t.Helper()
	for range 100 {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return
		}
		if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("process %s outlived its timed-out step", pid)
}

// The exit code goes to StepDir/exitCode, for $(steps.step-x.exitCode.path)
// in the steps after an onError: continue.
func TestRunWritesExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, script, want string
	}{{"success", "true", "0"}, {"continued failure", "exit 3", "3"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			o := c.step(0, "s")
			o.Script, o.OnError = tc.script, OnErrorContinue
			o.StepDir = filepath.Join(t.TempDir(), "steps", "step-s")
			run(t, NewRunner(withoutSignals()), o)
			b, err := os.ReadFile(filepath.Join(o.StepDir, "exitCode"))
			if err != nil || string(b) != tc.want {
				t.Errorf("exitCode = %q (%v), want %q", b, err, tc.want)
			}
		})
	}
}

func TestRunTimeoutIgnoresOnErrorContinue(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	o := c.step(0, "slow")
	o.Script, o.Timeout, o.OnError = "sleep 30", 50*time.Millisecond, OnErrorContinue
	got := run(t, NewRunner(withoutSignals()), o)
	if got.code == 0 || got.term.Reason != ReasonTimeoutExceeded || !exists(o.PostFile+ErrSuffix) {
		t.Errorf("got %+v, want a failed step", got)
	}
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	t.Run("while running", func(t *testing.T) {
		t.Parallel()
		c := newChain(t)
		o := c.step(0, "s")
		o.Command = []string{"sleep", "30"}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		code := NewRunner(withoutSignals()).Run(ctx, o, nil, nil)
		term := readTermination(t, o.TerminationPath)
		if code != 143 || term.Reason != ReasonError || !strings.Contains(term.Message, "cancelled") {
			t.Errorf("code %d, %+v", code, term)
		}
	})
	t.Run("while waiting", func(t *testing.T) {
		t.Parallel()
		c := newChain(t)
		o := c.step(1, "s")
		o.Command = []string{"true"}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		var stderr bytes.Buffer
		code := NewRunner(withoutSignals()).Run(ctx, o, nil, &stderr)
		term := readTermination(t, o.TerminationPath)
		if code != 1 || term.Reason != ReasonError || !strings.Contains(term.Message, "never started") || !exists(o.PostFile+ErrSuffix) {
			t.Errorf("code %d, %+v, stderr %q", code, term, stderr.String())
		}
	})
}

func TestRunClock(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	c := newChain(t)
	o := c.step(0, "s")
	o.Command = []string{"true"}
	got := run(t, NewRunner(withoutSignals(), WithClock(func() time.Time { return at })), o)
	if !got.term.StartedAt.Equal(at) || !got.term.FinishedAt.Equal(at) {
		t.Errorf("times %v..%v, want the injected clock's %v", got.term.StartedAt, got.term.FinishedAt, at)
	}
}

func TestRunNoPostFile(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	o := c.step(0, "sidecar")
	o.PostFile, o.Command = "", []string{"sh", "-c", "exit 4"}
	if got := run(t, NewRunner(withoutSignals()), o); got.code != 4 {
		t.Errorf("code = %d, want 4", got.code)
	}
	if entries, _ := os.ReadDir(filepath.Join(c.dir, "run")); len(entries) != 0 {
		t.Errorf("markers written without a post file: %v", entries)
	}
}
