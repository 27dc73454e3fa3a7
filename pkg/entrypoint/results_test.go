package entrypoint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunResults(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	resultsDir := filepath.Join(c.dir, "results")
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Left over from before the pod's steps: nobody reports it.
	if err := os.WriteFile(filepath.Join(resultsDir, "stale"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	first := c.step(0, "first")
	first.Results = []string{"a", "b", "c", "stale"}
	first.Script = `printf 'x\n' > "$1/a"; printf '  spaced  ' > "$1/b"`
	first.Command = []string{resultsDir}
	second := c.step(1, "second")
	second.Results = first.Results
	second.Script = `printf 'new' > "$1/c"; printf 'again' > "$1/a"`
	second.Command = []string{resultsDir}

	runs := runAll(t, NewRunner(withoutSignals()), []Options{first, second})
	want := []map[string]string{
		{"a": "x\n", "b": "  spaced  "},
		{"a": "again", "c": "new"},
	}
	for i, r := range runs {
		if r.code != 0 {
			t.Fatalf("step %d: %+v", i, r)
		}
		if diff := cmp.Diff(want[i], r.term.Results); diff != "" {
			t.Errorf("step %d results (-want +got):\n%s", i, diff)
		}
	}
}

func TestRunResultSizes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		size     int
		onError  string
		max      int // MaxResultBytes
		budget   int // TerminationBudget
		wantLog  bool
		wantFail string // the failure message holds it
	}{
		{name: "small stays in the message", size: 100},
		{name: "over the message goes to the log", size: 20000, wantLog: true},
		{name: "1 MiB goes to the log", size: DefaultMaxResultBytes - 1, wantLog: true},
		{name: "small budget goes to the log", size: 300, budget: 250, wantLog: true},
		{name: "over max-result-size fails", size: 5000, max: 4000, wantFail: "over max-result-size of 4000 bytes"},
		{name: "onError continue does not forgive it", size: 5000, max: 4000, onError: OnErrorContinue, wantFail: "max-result-size"},
		{name: "over a TaskRun's total fails", size: MaxResultsBytes + 1, max: 2 * MaxResultsBytes, wantFail: "may take together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			o := c.step(0, "big")
			o.OnError, o.MaxResultBytes, o.TerminationBudget = tc.onError, tc.max, tc.budget
			o.Results = []string{"r"}
			o.Script = fmt.Sprintf(`echo before; head -c %d /dev/zero | tr '\0' x > "$1/r"; echo after`, tc.size)
			o.Command = []string{filepath.Join(c.dir, "results")}
			if err := os.MkdirAll(o.Command[0], 0o755); err != nil {
				t.Fatal(err)
			}
			got := run(t, NewRunner(withoutSignals()), o)
			checkResultSizes(t, o, got, tc.size, tc.wantLog, tc.wantFail)
		})
	}
}

func checkResultSizes(t *testing.T, o Options, got stepRun, size int, wantLog bool, wantFail string) {
	t.Helper()
	if wantFail != "" {
		if got.code == 0 || got.term.Reason != ReasonResultsTooLarge || !strings.Contains(got.term.Message, wantFail) {
			t.Errorf("got code %d, %+v; want a ResultsTooLarge failure", got.code, got.term)
		}
		if !exists(o.PostFile+ErrSuffix) || exists(o.PostFile) || !strings.Contains(got.stderr, wantFail) {
			t.Errorf("want only the failure marker and the reason on stderr (%q)", got.stderr)
		}
		return
	}
	if got.code != 0 || got.term.Reason != ReasonCompleted {
		t.Fatalf("got code %d, %+v", got.code, got.term)
	}
	want := map[string]string{"r": strings.Repeat("x", size)}
	results := got.term.Results
	if (got.term.ResultsLog != nil) != wantLog {
		t.Fatalf("ResultsLog = %+v, want one: %v", got.term.ResultsLog, wantLog)
	}
	if wantLog {
		var err error
		if results, _, err = got.term.ResultsLog.Decode(strings.NewReader(got.stdout)); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	var filtered bytes.Buffer
	f := NewResultsFilter(&filtered)
	_, _ = f.Write([]byte(got.stdout))
	if err := f.Flush(); err != nil || filtered.String() != "before\nafter\n" {
		t.Errorf("filtered stdout = %q (%v), want the step's own output", filtered.String(), err)
	}
}

func TestRunResultUnreadable(t *testing.T) {
	t.Parallel()
	c := newChain(t)
	o := c.step(0, "s")
	o.Results = []string{"r"}
	o.Script = `mkdir -p "$1/r"` // a directory where a file should be
	o.Command = []string{filepath.Join(c.dir, "results")}
	got := run(t, NewRunner(withoutSignals()), o)
	if got.code != 1 || got.term.Reason != ReasonError || !strings.Contains(got.term.Message, `reading result "r"`) {
		t.Errorf("got code %d, %+v", got.code, got.term)
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	for _, wait := range []bool{false, true} {
		t.Run(map[bool]string{false: "copy", true: "copy and wait"}[wait], func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "deep", "bin", "entrypoint")
			ctx, cancel := context.WithCancel(context.Background())
			if wait {
				cancel() // stands in for SIGTERM
			} else {
				defer cancel()
			}
			var stderr bytes.Buffer
			code := NewRunner().Run(ctx, Options{CopyTo: dst, WaitAfterCopy: wait}, nil, &stderr)
			if code != 0 {
				t.Fatalf("code %d: %s", code, stderr.String())
			}
			got, err := os.ReadFile(dst)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("copy differs from the binary (err %v)", err)
			}
			fi, _ := os.Stat(dst)
			if fi.Mode().Perm() != 0o755 {
				t.Errorf("mode %v, want 0755", fi.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

// TestInstallCompanion: celwhen, beside the entrypoint in its image, is
// installed beside it too.
func TestInstallCompanion(t *testing.T) {
	t.Parallel()
	img := t.TempDir()
	for name, body := range map[string]string{"entrypoint": "shim", CELWhenName: "cel"} {
		if err := os.WriteFile(filepath.Join(img, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "bin", "entrypoint")
	var stderr bytes.Buffer
	if code := NewRunner(withSelf(filepath.Join(img, "entrypoint"))).Run(context.Background(), Options{CopyTo: dst}, nil, &stderr); code != 0 {
		t.Fatalf("code %d: %s", code, stderr.String())
	}
	for name, want := range map[string]string{"entrypoint": "shim", CELWhenName: "cel"} {
		if got, err := os.ReadFile(filepath.Join(filepath.Dir(dst), name)); err != nil || string(got) != want {
			t.Errorf("%s installed as %q (%v), want %q", name, got, err, want)
		}
	}
}

func TestInstallError(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := NewRunner().Run(context.Background(), Options{CopyTo: filepath.Join(blocker, "entrypoint")}, nil, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "installing to") {
		t.Errorf("code %d, stderr %q", code, stderr.String())
	}
}

func TestReportParseError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	term := filepath.Join(dir, "term")
	post := filepath.Join(dir, "run", "2", "out")
	args := []string{"-step", "x", "--post_file=" + post, "-termination_path", term, "-on_error", "bad", "--", "-post_file", "nope"}
	_, err := Parse(args)
	if err == nil {
		t.Fatal("Parse accepted bad args")
	}
	var stderr bytes.Buffer
	if code := ReportParseError(args, err, &stderr); code != 1 {
		t.Errorf("code %d, want 1", code)
	}
	got := readTermination(t, term)
	if got.Reason != ReasonError || got.ExitCode != 1 || !strings.Contains(got.Message, "on_error") {
		t.Errorf("termination %+v", got)
	}
	if !exists(post + ErrSuffix) {
		t.Error("no failure marker: later steps would wait for ever")
	}
	if !strings.Contains(stderr.String(), "bad arguments") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// fakeCELWhen is a stand-in for cmd/celwhen that knows two expressions.
const fakeCELWhen = `#!/bin/sh
case "$(cat)" in
"'yes' == 'yes'") echo true ;;
"'yes' == 'no'") echo false ;;
*) echo "ERROR: <input>:1:5: Syntax error" >&2; exit 2 ;;
esac
`

// TestRunWhen: a step runs only when its when expressions hold, resolved
// against earlier steps' results (CEL ones by celwhen); a skipped one lets
// the next step run.
func TestRunWhen(t *testing.T) {
	t.Parallel()
	cel := filepath.Join(t.TempDir(), "celwhen")
	if err := os.WriteFile(cel, []byte(fakeCELWhen), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		when     []When
		wantRan  bool
		wantCode int
	}{
		{name: "in holds", when: []When{{Input: "$(steps.first.results.r)", Operator: WhenIn, Values: []string{"yes"}}}, wantRan: true},
		{name: "in does not hold", when: []When{{Input: "$(steps.first.results.r)", Operator: WhenIn, Values: []string{"no"}}}},
		{name: "notin", when: []When{{Input: "prod", Operator: WhenNotIn, Values: []string{"dev", "qa"}}}, wantRan: true},
		{name: "all must hold", when: []When{{Input: "a", Operator: WhenIn, Values: []string{"a"}}, {Input: "a", Operator: WhenNotIn, Values: []string{"a"}}}},
		{name: "a missing result fails the step", when: []When{{Input: "$(steps.first.results.nope)", Operator: WhenIn, Values: []string{"x"}}}, wantCode: 1},
		{name: "cel holds", when: []When{{CEL: "'$(steps.first.results.r)' == 'yes'"}}, wantRan: true},
		{name: "cel is false", when: []When{{CEL: "'$(steps.first.results.r)' == 'no'"}}},
		{name: "cel that does not evaluate fails the step", when: []When{{CEL: "'a' +"}}, wantCode: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChain(t)
			first := c.step(0, "first")
			first.StepDir = filepath.Join(c.dir, "steps", "step-first")
			first.StepResults = []string{"r"}
			first.Script = `printf yes > "$1/results/r"`
			first.Command = []string{first.StepDir}
			second := c.step(1, "second")
			second.StepDir = filepath.Join(c.dir, "steps", "step-second")
			second.When = tc.when
			second.Script = `touch "$1/ran"`
			second.Command = []string{c.dir}
			third := c.step(2, "third")
			third.Script = `true`
			runs := runAll(t, NewRunner(withoutSignals(), withCELBin(cel)), []Options{first, second, third})
			if runs[1].code != tc.wantCode || exists(filepath.Join(c.dir, "ran")) != tc.wantRan {
				t.Fatalf("second: code %d, ran %v, %+v; want %d, %v", runs[1].code, exists(filepath.Join(c.dir, "ran")), runs[1].term, tc.wantCode, tc.wantRan)
			}
			if !tc.wantRan && tc.wantCode == 0 && (runs[1].term.Reason != ReasonSkipped || !strings.Contains(runs[1].term.Message, "when expression")) {
				t.Errorf("second: %+v, want skipped by its when expressions", runs[1].term)
			}
			if wantThird := tc.wantCode == 0; (runs[2].term.Reason == ReasonCompleted) != wantThird {
				t.Errorf("third: %+v, want it to run: %v", runs[2].term, wantThird)
			}
		})
	}
}
