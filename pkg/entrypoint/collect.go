package entrypoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fileState is what a result file looked like before the step ran.
type fileState struct {
	info    fs.FileInfo // nil: the file did not exist
	modTime time.Time
	size    int64
}

// snapshotResults records the result files as they are before the step
// runs. Comparing with it afterwards tells which ones this step wrote, even
// if the step before wrote one a microsecond before handing over, which an
// mtime-versus-start-time check with slack would get wrong (docs/design.md D3).
func snapshotResults(o Options) map[string]fileState {
	s := make(map[string]fileState, len(o.Results))
	for _, name := range o.Results {
		s[name] = stat(filepath.Join(o.ResultsDir, name))
	}
	return s
}

func stat(path string) fileState {
	fi, err := os.Stat(path)
	if err != nil {
		return fileState{}
	}
	return fileState{info: fi, modTime: fi.ModTime(), size: fi.Size()}
}

func (b fileState) changedTo(a fileState) bool {
	switch {
	case a.info == nil:
		return false
	case b.info == nil:
		return true
	default:
		return !os.SameFile(b.info, a.info) || !b.modTime.Equal(a.modTime) || b.size != a.size
	}
}

// readResults returns the raw values of the result files this step wrote.
func readResults(o Options, before map[string]fileState) (map[string]string, error) {
	var out map[string]string
	var errs []error
	for _, name := range o.Results {
		path := filepath.Join(o.ResultsDir, name)
		if !before[name].changedTo(stat(path)) {
			continue
		}
		b, err := readCapped(path, o.MaxResultBytes)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading result %q: %w", name, err))
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[name] = string(b)
	}
	return out, errors.Join(errs...)
}

// collect turns what the process did into the step's outcome, with the
// results it wrote.
func (r *Runner) collect(o Options, before map[string]fileState, res execResult) outcome {
	t := Termination{ExitCode: res.exitCode, StartedAt: res.started, FinishedAt: res.finished}
	var continuable bool
	switch {
	case res.startErr != nil:
		t.Reason = ReasonError
		t.Message = fmt.Sprintf("step %q could not start: %v", o.Step, res.startErr)
		return outcome{term: t}
	case res.timedOut:
		t.Reason = ReasonTimeoutExceeded
		t.Message = fmt.Sprintf("step %q exceeded its timeout of %s and was stopped", o.Step, o.Timeout)
	case res.cancelled:
		t.Reason = ReasonError
		t.Message = fmt.Sprintf("step %q was stopped because its run was cancelled", o.Step)
	case res.exitCode != 0:
		t.Reason = ReasonError
		t.Message = fmt.Sprintf("step %q exited with code %d", o.Step, res.exitCode)
		continuable = true
	default:
		t.Reason = ReasonCompleted
	}
	results, err := readResults(o, before)
	steps, serr := readStepResults(o)
	t.Results, t.StepResults, err = results, steps, errors.Join(err, serr)
	if err != nil {
		if t.Reason == ReasonCompleted {
			t.Reason, t.ExitCode = ReasonError, 1
		}
		if errors.Is(err, errResultTooLarge) {
			t.Reason = ReasonResultsTooLarge
		}
		t.Message = strings.TrimPrefix(t.Message+"; "+err.Error(), "; ")
		continuable = false
	}
	return outcome{term: t, continuable: continuable}
}
