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
}

// Marshal renders t as a termination message. If it does not fit the
// kubelet's limit, it returns a smaller message that fails the step and says
// why, so that oversized results never vanish silently.
func (t Termination) Marshal() []byte {
	b, err := json.Marshal(t)
	if err == nil && len(b) <= MaxTerminationBytes {
		return b
	}
	size := len(b)
	small := Termination{
		Reason:     ReasonResultsTooLarge,
		ExitCode:   t.ExitCode,
		StartedAt:  t.StartedAt,
		FinishedAt: t.FinishedAt,
		Message: fmt.Sprintf("step results take %d bytes, over the %d-byte termination message limit: write smaller results",
			size, MaxTerminationBytes),
	}
	if small.ExitCode == 0 {
		small.ExitCode = 1
	}
	b, _ = json.Marshal(small)
	return b
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
