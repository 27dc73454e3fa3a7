package entrypoint

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slipway-ci/slipway/pkg/credentials"
)

// OnError values a step may carry (Tekton's step.onError).
const (
	OnErrorStopAndFail = "stopAndFail"
	OnErrorContinue    = "continue"
)

// ErrSuffix is appended to a step's PostFile to mark failure. A step that
// finds its WaitFile+ErrSuffix does not run: it posts its own failure marker
// and reports itself as skipped.
const ErrSuffix = ".err"

// Options is the complete contract between the controller, which renders it
// into a step container's args, and the entrypoint, which parses it back.
type Options struct {
	// Step is the step's name as written in the Task.
	Step string
	// WaitFile is the previous step's PostFile; empty for the first step.
	WaitFile string
	// PostFile is written when the step is done (PostFile+ErrSuffix on failure).
	PostFile string
	// Results are the task result names the shim collects from ResultsDir.
	Results []string
	// ResultsDir is where the step writes results (default ResultsDir).
	ResultsDir string
	// TerminationPath is where the termination message goes.
	TerminationPath string
	// Stdout and Stderr, when set, also receive the step's output
	// (Tekton's stdoutConfig.path and stderrConfig.path).
	Stdout, Stderr string
	// StepResults are the names of the step's own results, read from
	// StepDir/results after it ran.
	StepResults []string
	// StepDir is the step's directory under StepsDir, where its exitCode
	// file is written (Tekton's -step_metadata_dir); empty for none.
	StepDir string
	// MaxResultBytes bounds each result of the step (Tekton's
	// max-result-size); zero means DefaultMaxResultBytes. All of them
	// together are bounded by MaxResultsBytes.
	MaxResultBytes int
	// TerminationBudget is the most the step's termination message may
	// take: the kubelet gives each container of a pod an equal share of
	// MaxPodTerminationBytes. Zero means MaxTerminationBytes. Results that
	// do not fit go to the end of the container's log (ResultsLog).
	TerminationBudget int
	// When are the step's when expressions; the step is skipped (and the
	// next one runs) unless all of them hold.
	When []When
	// Timeout bounds the step's run time; zero means none.
	Timeout time.Duration
	// OnError is OnErrorStopAndFail (default) or OnErrorContinue.
	OnError string
	// Script, if set, is written to ScriptsDir and run instead of Command
	// (which then holds only the script's arguments). A script without a
	// shebang runs with /bin/sh and `set -e`.
	Script string
	// ScriptsDir is where Script is written (default ScriptsDir).
	ScriptsDir string
	// Command is the process to run: the step's command and args, with the
	// image's ENTRYPOINT/CMD already filled in by the controller.
	Command []string
	// Credentials are written as git, ssh and docker credential files
	// before the step runs (docs/design.md D8), from the secrets mounted
	// under CredsSecretsDir: by the first step into CredsDir and HomeDir,
	// and by any step into its own $HOME when that is elsewhere.
	Credentials []credentials.Credential
	// ReleaseFile, when set, holds the step back until the file holds the
	// values of its TaskRun's held params (docs/design.md D25): a JSON
	// object from placeholder to value, which the step's script, command,
	// when expressions, output paths and environment get in place of the
	// placeholders.
	ReleaseFile string
	// BreakOnFailure pauses the step when its process fails, and
	// BreakBefore before it runs, until a debug script ends the pause
	// (Tekton's TaskRun spec.debug breakpoints).
	BreakOnFailure, BreakBefore bool
	// CopyTo switches the binary into install mode: copy itself to this
	// path and exit (used by the init container or node installer).
	CopyTo string
	// WaitAfterCopy keeps the binary running after CopyTo until SIGTERM,
	// so that the node-installer DaemonSet's container stays up.
	WaitAfterCopy bool
}

// flag names, spelled once.
const (
	flagStep            = "step"
	flagWaitFile        = "wait_file"
	flagPostFile        = "post_file"
	flagResults         = "results"
	flagResultsDir      = "results_dir"
	flagTerminationPath = "termination_path"
	flagTimeout         = "timeout"
	flagMaxResultBytes  = "max_result_bytes"
	flagTermBudget      = "termination_budget"
	flagWhen            = "when"
	flagStepDir         = "step_metadata_dir"
	flagStepResults     = "step_results"
	flagStdout          = "stdout_path"
	flagStderr          = "stderr_path"
	flagOnError         = "on_error"
	flagScript          = "script"
	flagScriptsDir      = "scripts_dir"
	flagCredentials     = "creds"
	flagReleaseFile     = "release_file"
	flagBreakOnFailure  = "breakpoint_on_failure"
	flagBreakBefore     = "debug_before_step"
	flagCopyTo          = "copy_to"
	flagWaitAfterCopy   = "wait_after_copy"
)

// Args renders o as container args. The script travels base64-encoded so
// that the kubelet's $(VAR) expansion of args cannot alter it.
func (o Options) Args() []string {
	var a []string
	add := func(name, v string) {
		if v != "" {
			a = append(a, "-"+name, v)
		}
	}
	add(flagCopyTo, o.CopyTo)
	if o.WaitAfterCopy {
		a = append(a, "-"+flagWaitAfterCopy)
	}
	add(flagStep, o.Step)
	add(flagWaitFile, o.WaitFile)
	add(flagReleaseFile, o.ReleaseFile)
	if o.BreakOnFailure {
		a = append(a, "-"+flagBreakOnFailure)
	}
	if o.BreakBefore {
		a = append(a, "-"+flagBreakBefore)
	}
	add(flagPostFile, o.PostFile)
	add(flagResults, strings.Join(o.Results, ","))
	add(flagResultsDir, o.ResultsDir)
	add(flagTerminationPath, o.TerminationPath)
	if o.MaxResultBytes > 0 {
		add(flagMaxResultBytes, strconv.Itoa(o.MaxResultBytes))
	}
	if o.TerminationBudget > 0 {
		add(flagTermBudget, strconv.Itoa(o.TerminationBudget))
	}
	add(flagWhen, whenFlag(o.When))
	add(flagStepDir, o.StepDir)
	add(flagStepResults, strings.Join(o.StepResults, ","))
	add(flagStdout, o.Stdout)
	add(flagStderr, o.Stderr)
	if o.Timeout > 0 {
		add(flagTimeout, o.Timeout.String())
	}
	add(flagOnError, o.OnError)
	for _, chunk := range scriptChunks(o.Script) {
		add(flagScript, chunk)
	}
	add(flagScriptsDir, o.ScriptsDir)
	for _, c := range o.Credentials {
		add(flagCredentials, c.String())
	}
	if o.CopyTo == "" {
		a = append(a, "--")
		a = append(a, o.Command...)
	}
	return a
}

// Parse reads args produced by Args. Defaults are applied for paths that
// Args omitted.
func Parse(args []string) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("entrypoint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var results, stepResults string
	var script strings.Builder
	fs.StringVar(&o.Step, flagStep, "", "step name")
	fs.StringVar(&o.WaitFile, flagWaitFile, "", "file to wait for before running")
	fs.StringVar(&o.ReleaseFile, flagReleaseFile, "", "file holding the held params' values, to wait for")
	fs.StringVar(&o.PostFile, flagPostFile, "", "file to write when done")
	fs.StringVar(&results, flagResults, "", "comma-separated result names")
	fs.StringVar(&o.ResultsDir, flagResultsDir, ResultsDir, "results directory")
	fs.StringVar(&o.TerminationPath, flagTerminationPath, TerminationPath, "termination message path")
	fs.StringVar(&o.StepDir, flagStepDir, "", "directory for the step's exitCode file")
	fs.StringVar(&stepResults, flagStepResults, "", "comma-separated step result names")
	fs.StringVar(&o.Stdout, flagStdout, "", "file that also receives the step's stdout")
	fs.StringVar(&o.Stderr, flagStderr, "", "file that also receives the step's stderr")
	fs.DurationVar(&o.Timeout, flagTimeout, 0, "step timeout")
	fs.StringVar(&o.OnError, flagOnError, "", "continue or stopAndFail")
	fs.Func(flagScript, "base64 script, repeated for a long one", func(v string) error {
		script.WriteString(v)
		return nil
	})
	fs.IntVar(&o.MaxResultBytes, flagMaxResultBytes, 0, "most bytes of one result")
	fs.Func(flagWhen, "when expressions, as JSON", func(v string) (err error) {
		o.When, err = parseWhen(v)
		return err
	})
	fs.IntVar(&o.TerminationBudget, flagTermBudget, 0, "most bytes of the termination message")
	fs.StringVar(&o.ScriptsDir, flagScriptsDir, ScriptsDir, "scripts directory")
	fs.StringVar(&o.CopyTo, flagCopyTo, "", "copy this binary to the path and exit")
	fs.Func(flagCredentials, "<kind>=<secret>[=<url or host>], repeatable", func(v string) error {
		c, err := credentials.Parse(v)
		if err == nil {
			o.Credentials = append(o.Credentials, c)
		}
		return err
	})
	boolFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return Options{}, fmt.Errorf("parsing entrypoint args: %w", err)
	}
	if err := o.setLists(results, stepResults, script.String()); err != nil {
		return Options{}, err
	}
	o.Command = fs.Args()
	if len(o.Command) == 0 {
		o.Command = nil
	}
	if err := o.validate(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// boolFlags registers the switches.
func boolFlags(fs *flag.FlagSet, o *Options) {
	fs.BoolVar(&o.WaitAfterCopy, flagWaitAfterCopy, false, "after -copy_to, keep running until SIGTERM")
	fs.BoolVar(&o.BreakOnFailure, flagBreakOnFailure, false, "pause when the step fails, until a debug script says go on")
	fs.BoolVar(&o.BreakBefore, flagBreakBefore, false, "pause before the step runs, until a debug script says go on")
}

// setLists fills the fields that travel encoded: comma-separated result
// names and the base64 script.
func (o *Options) setLists(results, stepResults, script string) error {
	if results != "" {
		o.Results = strings.Split(results, ",")
	}
	if stepResults != "" {
		o.StepResults = strings.Split(stepResults, ",")
	}
	if script != "" {
		b, err := base64.StdEncoding.DecodeString(script)
		if err != nil {
			return fmt.Errorf("decoding -%s: %w", flagScript, err)
		}
		o.Script = string(b)
	}
	return nil
}

// maxArgChunk is the most base64 of a script one argument carries: the
// kernel refuses a single argument over 128 KiB (MAX_ARG_STRLEN), which a
// script holding a large param value would pass.
const maxArgChunk = 96 << 10

// scriptChunks is the base64 of script in arguments of at most maxArgChunk.
func scriptChunks(script string) []string {
	if script == "" {
		return nil
	}
	enc := base64.StdEncoding.EncodeToString([]byte(script))
	chunks := make([]string, 0, len(enc)/maxArgChunk+1)
	for len(enc) > maxArgChunk {
		chunks = append(chunks, enc[:maxArgChunk])
		enc = enc[maxArgChunk:]
	}
	return append(chunks, enc)
}

func (o Options) validate() error {
	if o.WaitAfterCopy && o.CopyTo == "" {
		return fmt.Errorf("-%s needs -%s", flagWaitAfterCopy, flagCopyTo)
	}
	if o.CopyTo != "" {
		return nil
	}
	if strings.Contains(o.Step, "/") {
		return fmt.Errorf("-%s %q must not contain '/'", flagStep, o.Step)
	}
	for _, r := range append(append([]string{}, o.Results...), o.StepResults...) {
		if r == "" || r == "." || r == ".." || strings.Contains(r, "/") {
			return fmt.Errorf("-%s: %q is not a valid result name", flagResults, r)
		}
	}
	if o.MaxResultBytes < 0 || o.TerminationBudget < 0 {
		return fmt.Errorf("-%s and -%s must not be negative", flagMaxResultBytes, flagTermBudget)
	}
	switch o.OnError {
	case "", OnErrorContinue, OnErrorStopAndFail:
	default:
		return fmt.Errorf("-%s must be %q or %q, not %q", flagOnError, OnErrorContinue, OnErrorStopAndFail, o.OnError)
	}
	if o.Script == "" && len(o.Command) == 0 {
		return errors.New("nothing to run: give a command after -- or a -script")
	}
	return nil
}
