package entrypoint

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Default timings of a Runner.
const (
	// DefaultKillGrace is how long a timed-out or cancelled step's process
	// group has between SIGTERM and SIGKILL.
	DefaultKillGrace = 5 * time.Second
	// defaultPollInterval is the fallback when the marker directory cannot
	// be watched with inotify.
	defaultPollInterval = 50 * time.Millisecond
	// safetyPollInterval re-checks the markers even while watching, in case
	// an event is lost (for example the directory was recreated).
	safetyPollInterval = time.Second
)

// Runner runs one step: wait for the previous step, execute, collect
// results, report. The zero value is not usable; call NewRunner.
type Runner struct {
	now            func() time.Time
	killGrace      time.Duration
	pollInterval   time.Duration
	forwardSignals bool
	creds          credentialPaths
	// debugDir holds the debug scripts and the paused step's name (DebugDir).
	debugDir string
	// celBin evaluates the CEL of a when expression; "" is the celwhen
	// beside the running binary.
	celBin string
	// self is the running binary, which install mode copies.
	self func() (string, error)
}

// RunnerOption configures a Runner.
type RunnerOption func(*Runner)

// WithClock sets the clock that stamps StartedAt and FinishedAt.
func WithClock(now func() time.Time) RunnerOption {
	return func(r *Runner) { r.now = now }
}

// WithKillGrace sets the time between SIGTERM and SIGKILL when a step times
// out or its context is cancelled.
func WithKillGrace(d time.Duration) RunnerOption {
	return func(r *Runner) { r.killGrace = d }
}

// withPollInterval forces the polling fallback (tests only) when d > 0.
func withPollInterval(d time.Duration) RunnerOption {
	return func(r *Runner) { r.pollInterval = d }
}

// withoutSignals stops the Runner from forwarding the process's own
// SIGTERM/SIGINT, so that tests running many steps in one process do not
// intercept signals meant for the test binary.
func withoutSignals() RunnerOption {
	return func(r *Runner) { r.forwardSignals = false }
}

// withCELBin replaces the celwhen binary (tests only).
func withCELBin(path string) RunnerOption {
	return func(r *Runner) { r.celBin = path }
}

// withSelf makes install mode copy the binary at path (tests only).
func withSelf(path string) RunnerOption {
	return func(r *Runner) { r.self = func() (string, error) { return path, nil } }
}

// withDebugDir moves DebugDir (tests only).
func withDebugDir(dir string) RunnerOption {
	return func(r *Runner) { r.debugDir = dir }
}

// NewRunner returns a Runner with the given options over the defaults.
func NewRunner(opts ...RunnerOption) *Runner {
	r := &Runner{now: time.Now, killGrace: DefaultKillGrace, forwardSignals: true, debugDir: DebugDir, self: os.Executable,
		creds: credentialPaths{secrets: CredsSecretsDir, creds: CredsDir, home: HomeDir, getenv: os.Getenv}}
	for _, o := range opts {
		o(r)
	}
	if r.killGrace < 0 {
		r.killGrace = 0
	}
	return r
}

// Run runs one step with a default Runner. See Runner.Run.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	return NewRunner().Run(ctx, o, stdout, stderr)
}

// Run executes o and returns the exit code the shim must exit with.
//
// In install mode (CopyTo) it copies its own binary. Otherwise it waits for
// the previous step's marker, runs the step (or skips it if that step
// failed), writes the termination message and posts its own marker. The
// step's output goes to stdout and stderr (nil discards it); so do the
// shim's own errors.
func (r *Runner) Run(ctx context.Context, o Options, stdout, stderr io.Writer) int {
	if stderr == nil {
		stderr = io.Discard
	}
	o = o.withDefaults()
	if o.CopyTo != "" {
		return r.install(ctx, o, stderr)
	}
	o, early := r.prepare(ctx, o, stderr)
	if early != nil {
		return r.report(o, stderr, *early)
	}
	before := snapshotResults(o)
	outw, errw, closeOutputs, err := teeOutputs(o, stdout, stderr)
	if err != nil {
		return r.report(o, stderr, r.notStarted(o, "did not start", err))
	}
	res := r.breakOnFailure(ctx, o, r.execute(ctx, o, outw, errw), stderr)
	closeOutputs()
	return r.finish(o, stdout, stderr, before, res)
}

// finish collects what the step's process did and left, fits its results
// and reports.
func (r *Runner) finish(o Options, stdout, stderr io.Writer, before map[string]fileState, res execResult) int {
	out := r.collect(o, before, res)
	out = fitResults(o, stdout, out)
	writeExitCode(o, out.term.ExitCode, stderr)
	return r.report(o, stderr, out)
}

// prepare waits for the previous step, writes credentials and resolves
// step result references. A non-nil outcome means the step must not run.
func (r *Runner) prepare(ctx context.Context, o Options, stderr io.Writer) (Options, *outcome) {
	if o.WaitFile != "" {
		prevFailed, err := newWaiter(o.WaitFile, r.pollInterval).wait(ctx)
		if err != nil {
			out := r.notStarted(o, "never started", err)
			return o, &out
		}
		if prevFailed {
			out := skipped(o, r.now())
			return o, &out
		}
	}
	o, err := r.release(ctx, o)
	if err != nil {
		out := r.notStarted(o, "never started", err)
		return o, &out
	}
	if len(o.Credentials) > 0 {
		if err := r.writeCredentials(o, stderr); err != nil {
			out := r.notStarted(o, "did not start", err)
			return o, &out
		}
	}
	o, err = resolveStepRefs(o)
	if err != nil {
		out := r.notStarted(o, "did not start", err)
		return o, &out
	}
	if out := r.checkWhen(o); out != nil {
		return o, out
	}
	return o, r.breakBefore(ctx, o, stderr)
}

// checkWhen is the outcome of a step whose when expressions do not all
// hold (nil when they do): skipped, and the next step runs.
func (r *Runner) checkWhen(o Options) *outcome {
	if len(o.When) == 0 {
		return nil
	}
	failing, err := evalWhen(o, r.evalCEL)
	if err != nil {
		out := r.notStarted(o, "did not start: its when expressions", err)
		return &out
	}
	if failing == "" {
		return nil
	}
	now := r.now()
	return &outcome{whenSkipped: true, term: Termination{Reason: ReasonSkipped, StartedAt: now, FinishedAt: now,
		Message: fmt.Sprintf("skipped: step %q's when expression %s is false", o.Step, failing)}}
}

// notStarted is the outcome of a step whose process never ran.
func (r *Runner) notStarted(o Options, what string, err error) outcome {
	now := r.now()
	return outcome{term: Termination{
		Reason: ReasonError, ExitCode: 1, StartedAt: now, FinishedAt: now,
		Message: fmt.Sprintf("step %q %s: %v", o.Step, what, err),
	}}
}

// teeOutputs adds the step's stdoutConfig/stderrConfig files to its
// output streams; the returned func closes them.
func teeOutputs(o Options, stdout, stderr io.Writer) (io.Writer, io.Writer, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	tee := func(w io.Writer, path string) (io.Writer, error) {
		if path == "" {
			return w, nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("opening output file: %w", err)
		}
		files = append(files, f)
		if w == nil {
			return f, nil
		}
		return io.MultiWriter(w, f), nil
	}
	out, err := tee(stdout, o.Stdout)
	if err != nil {
		return stdout, stderr, closeAll, err
	}
	errw, err := tee(stderr, o.Stderr)
	if err != nil {
		closeAll()
		return stdout, stderr, func() {}, err
	}
	return out, errw, closeAll, nil
}

// writeExitCode records the step's exit code in StepDir/exitCode for the
// steps after it ($(steps.step-<name>.exitCode.path), typically read after
// onError: continue). It is written before the step's marker is posted.
func writeExitCode(o Options, code int, stderr io.Writer) {
	if o.StepDir == "" {
		return
	}
	err := os.MkdirAll(o.StepDir, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(o.StepDir, "exitCode"), []byte(strconv.Itoa(code)), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "entrypoint: writing exit code: %v\n", err)
	}
}

// skipped is the outcome of a step whose previous step failed.
func skipped(o Options, now time.Time) outcome {
	return outcome{term: Termination{
		Reason:     ReasonSkipped,
		StartedAt:  now,
		FinishedAt: now,
		Message:    fmt.Sprintf("skipped: step %q did not run because a step before it failed", o.Step),
	}}
}

// withDefaults fills the paths that Parse defaults, for Options built in
// code rather than parsed.
func (o Options) withDefaults() Options {
	if o.ResultsDir == "" {
		o.ResultsDir = ResultsDir
	}
	if o.TerminationPath == "" {
		o.TerminationPath = TerminationPath
	}
	if o.ScriptsDir == "" {
		o.ScriptsDir = ScriptsDir
	}
	if o.MaxResultBytes == 0 {
		o.MaxResultBytes = DefaultMaxResultBytes
	}
	if o.TerminationBudget == 0 || o.TerminationBudget > MaxTerminationBytes {
		o.TerminationBudget = MaxTerminationBytes
	}
	return o
}
