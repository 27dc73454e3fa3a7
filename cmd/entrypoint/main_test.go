package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// build compiles the shim the way images ship it: static, without cgo.
func build(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain in PATH")
	}
	bin := filepath.Join(t.TempDir(), "entrypoint")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type result struct {
	code int
	term entrypoint.Termination
	out  string
}

func start(t *testing.T, bin string, o entrypoint.Options) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, o.Args()...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

func finish(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, o entrypoint.Options) result {
	t.Helper()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	b, err := os.ReadFile(o.TerminationPath)
	if err != nil {
		t.Fatalf("step %s: %v\n%s", o.Step, err, out)
	}
	term, err := entrypoint.ParseTermination(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return result{code: cmd.ProcessState.ExitCode(), term: term, out: out.String()}
}

func TestChainOfProcesses(t *testing.T) {
	bin := build(t)
	tests := []struct {
		name      string
		scripts   []string
		wantLog   string
		wantCodes []int
		wantWhy   []string
	}{
		{name: "in order", scripts: []string{"sleep 0.2", "", ""}, wantLog: "a\nb\nc\n",
			wantCodes: []int{0, 0, 0}, wantWhy: []string{"Completed", "Completed", "Completed"}},
		{name: "middle fails", scripts: []string{"", "exit 9", ""}, wantLog: "a\nb\n",
			wantCodes: []int{0, 9, 0}, wantWhy: []string{"Completed", "Error", "Skipped"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			log := filepath.Join(dir, "log")
			var steps []entrypoint.Options
			for i, name := range []string{"a", "b", "c"} {
				o := entrypoint.Options{
					Step:            name,
					PostFile:        filepath.Join(dir, "run", fmt.Sprint(i), "out"),
					ResultsDir:      filepath.Join(dir, "results"),
					ScriptsDir:      filepath.Join(dir, "scripts"),
					TerminationPath: filepath.Join(dir, "term-"+name),
					Script:          fmt.Sprintf("echo %s >> %q\n%s\n", name, log, tc.scripts[i]),
				}
				if i > 0 {
					o.WaitFile = steps[i-1].PostFile
				}
				steps = append(steps, o)
			}
			cmds := make([]*exec.Cmd, len(steps))
			outs := make([]*bytes.Buffer, len(steps))
			for i := len(steps) - 1; i >= 0; i-- {
				cmds[i], outs[i] = start(t, bin, steps[i])
			}
			var codes []int
			var why []string
			for i := range steps {
				r := finish(t, cmds[i], outs[i], steps[i])
				codes, why = append(codes, r.code), append(why, r.term.Reason)
			}
			if diff := cmp.Diff(tc.wantCodes, codes); diff != "" {
				t.Errorf("exit codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantWhy, why); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if b, _ := os.ReadFile(log); string(b) != tc.wantLog {
				t.Errorf("steps ran as %q, want %q", b, tc.wantLog)
			}
		})
	}
}

func TestSIGTERMReachesTheStep(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	o := entrypoint.Options{
		Step:            "s",
		PostFile:        filepath.Join(dir, "run", "0", "out"),
		TerminationPath: filepath.Join(dir, "term"),
		ScriptsDir:      filepath.Join(dir, "scripts"),
		Script:          fmt.Sprintf("trap 'echo got TERM; exit 3' TERM\ntouch %q\nsleep 30 & wait\n", ready),
	}
	cmd, out := start(t, bin, o)
	for i := 0; i < 200 && !exists(ready); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := finish(t, cmd, out, o)
	if r.code != 3 || !strings.Contains(r.out, "got TERM") {
		t.Errorf("code %d, output %q; want the step to trap SIGTERM and exit 3", r.code, r.out)
	}
}

func TestBadArgs(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	term := filepath.Join(dir, "term")
	post := filepath.Join(dir, "run", "0", "out")
	cmd := exec.Command(bin, "-post_file", post, "-termination_path", term, "-timeout", "soon", "--", "true")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit %v, output %q; want 1", err, out)
	}
	if !strings.Contains(string(out), "timeout") || !exists(post+entrypoint.ErrSuffix) {
		t.Errorf("output %q, failure marker posted: %v", out, exists(post+entrypoint.ErrSuffix))
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
