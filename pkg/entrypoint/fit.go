package entrypoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// errResultTooLarge: a result file is over the step's MaxResultBytes.
var errResultTooLarge = errors.New("over max-result-size")

// readCapped reads the file at path, refusing one over limit bytes
// without reading it.
func readCapped(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > int64(limit) {
		return nil, fmt.Errorf("result %s is %d bytes, %w of %d bytes (feature-flags ConfigMap)",
			filepath.Base(path), fi.Size(), errResultTooLarge, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err == nil && len(b) > limit {
		return nil, fmt.Errorf("result %s grew past %d bytes, %w", filepath.Base(path), limit, errResultTooLarge)
	}
	return b, err
}

// fitResults checks the step's results against MaxResultsBytes and, when
// they do not fit its termination budget, writes them as a block at the
// end of the container's log (w, the container's stdout) and leaves in
// the termination message only where to find them (docs/design.md D22).
func fitResults(o Options, w io.Writer, out outcome) outcome {
	t := &out.term
	if len(t.Results)+len(t.StepResults) == 0 {
		return out
	}
	if size := valueBytes(t.Results) + valueBytes(t.StepResults); size > MaxResultsBytes {
		return failResults(out, ReasonResultsTooLarge, fmt.Sprintf(
			"step %q wrote %d bytes of results, over the %d bytes a TaskRun's results may take together",
			o.Step, size, MaxResultsBytes))
	}
	if b, err := json.Marshal(t); err == nil && len(b) <= o.TerminationBudget {
		return out
	}
	if w == nil {
		w = io.Discard
	}
	rl, err := writeResultsBlock(w, t.Results, t.StepResults)
	if err != nil {
		return failResults(out, ReasonError, fmt.Sprintf("step %q: %v", o.Step, err))
	}
	t.Results, t.StepResults, t.ResultsLog = nil, nil, rl
	return out
}

// failResults fails the step for its results, dropping them.
func failResults(out outcome, reason, msg string) outcome {
	t := &out.term
	t.Results, t.StepResults = nil, nil
	if t.Reason == ReasonCompleted || t.ExitCode == 0 {
		t.Reason = reason
	}
	if t.ExitCode == 0 {
		t.ExitCode = 1
	}
	if t.Message != "" {
		msg = t.Message + "; " + msg
	}
	t.Message = msg
	out.continuable = false
	return out
}

func valueBytes(m map[string]string) int {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	return n
}
