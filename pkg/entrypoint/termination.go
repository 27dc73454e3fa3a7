package entrypoint

import (
	"encoding/json"
	"fmt"
	"time"
)

// Termination reasons, in Tekton's step vocabulary (StepState.terminationReason).
const (
	ReasonCompleted       = "Completed"
	ReasonError           = "Error"
	ReasonTimeoutExceeded = "TimeoutExceeded"
	ReasonSkipped         = "Skipped"
	// ReasonResultsTooLarge: the step's results do not fit the termination
	// message; the step counts as failed.
	ReasonResultsTooLarge = "ResultsTooLarge"
)

// Termination is what the shim reports about one step, as the container's
// termination message. The controller parses it into the step's state.
type Termination struct {
	// Reason is one of the Reason* constants.
	Reason string `json:"reason"`
	// ExitCode is the step process's exit code (0 for a skipped step; for a
	// step with onError: continue, the code the process really exited with).
	ExitCode int `json:"exitCode"`
	// Message explains a failure in words a user can act on.
	Message string `json:"message,omitempty"`
	// StartedAt is when the step's process started (not the container).
	StartedAt time.Time `json:"startedAt,omitzero"`
	// FinishedAt is when the step's process ended.
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// Results maps result names to their raw (string) values.
	Results map[string]string `json:"results,omitempty"`
	// StepResults are the step's own results (StepActions' results), raw.
	StepResults map[string]string `json:"stepResults,omitempty"`
	// ResultsLog, instead of Results and StepResults, says that they did
	// not fit the message and are at the end of the container's log.
	ResultsLog *ResultsLog `json:"resultsLog,omitempty"`
}

// Marshal renders t as a termination message within the kubelet's limit
// for one container. See MarshalWithin.
func (t Termination) Marshal() []byte { return t.MarshalWithin(MaxTerminationBytes) }

// MarshalWithin renders t as a termination message of at most budget
// bytes. If it does not fit, it returns a smaller message that fails the
// step and says why, so that nothing vanishes silently. (The shim moves
// results that do not fit to the log before it gets here.)
func (t Termination) MarshalWithin(budget int) []byte {
	if budget <= 0 || budget > MaxTerminationBytes {
		budget = MaxTerminationBytes
	}
	b, err := json.Marshal(t)
	if err == nil && len(b) <= budget {
		return b
	}
	size := len(b)
	// A pod with many containers gives each a small share: the kubelet
	// records whole seconds anyway, then its own times, then less words.
	c := t
	c.StartedAt, c.FinishedAt = t.StartedAt.Truncate(time.Second), t.FinishedAt.Truncate(time.Second)
	if b, ok := fit(c, budget); ok {
		return b
	}
	c.StartedAt, c.FinishedAt = time.Time{}, time.Time{}
	if b, ok := fit(c, budget); ok {
		return b
	}
	small := Termination{
		Reason:   ReasonResultsTooLarge,
		ExitCode: t.ExitCode,
		Message: fmt.Sprintf("the step's termination message takes %d bytes, over the %d-byte termination message limit",
			size, budget),
	}
	if small.ExitCode == 0 {
		small.ExitCode = 1
	}
	b, _ = fit(small, budget)
	return b
}

// fit marshals t, cutting its message as much as it takes to fit budget;
// ok is false if even no message does not fit.
func fit(t Termination, budget int) ([]byte, bool) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, false
	}
	for len(b) > budget && t.Message != "" {
		over := len(b) - budget
		cut := max(0, len([]rune(t.Message))-over-1)
		t.Message = string([]rune(t.Message)[:cut])
		if t.Message != "" {
			t.Message += "…"
		}
		if b, err = json.Marshal(t); err != nil {
			return nil, false
		}
	}
	return b, len(b) <= budget
}

// ParseTermination reads a termination message written by Marshal.
func ParseTermination(msg string) (Termination, error) {
	var t Termination
	if err := json.Unmarshal([]byte(msg), &t); err != nil {
		return Termination{}, fmt.Errorf("parsing termination message: %w", err)
	}
	if t.Reason == "" {
		return Termination{}, fmt.Errorf("parsing termination message: no reason in %q", truncate(msg, 200))
	}
	return t, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
