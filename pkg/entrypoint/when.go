package entrypoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// When operators (Tekton's, from k8s.io/apimachinery/pkg/selection).
const (
	WhenIn    = "in"
	WhenNotIn = "notin"
)

// When is one of a step's when expressions: the step runs only if Input
// is (in) or is not (notin) among Values, or its CEL is true, for all of
// them. The shim evaluates them just before the step would start, once the
// step results they refer to exist (Tekton's TEP-0156).
type When struct {
	Input    string   `json:"input,omitempty"`
	Operator string   `json:"operator,omitempty"`
	Values   []string `json:"values,omitempty"`
	CEL      string   `json:"cel,omitempty"`
}

func (w When) holds() bool {
	in := slices.Contains(w.Values, w.Input)
	return in == (w.Operator == WhenIn)
}

func (w When) String() string {
	if w.CEL != "" {
		return fmt.Sprintf("cel %q", w.CEL)
	}
	return fmt.Sprintf("%q %s [%s]", w.Input, w.Operator, strings.Join(w.Values, ", "))
}

// whenFlag is the -when value: the expressions as JSON.
func whenFlag(ws []When) string {
	if len(ws) == 0 {
		return ""
	}
	b, _ := json.Marshal(ws)
	return string(b)
}

func parseWhen(v string) ([]When, error) {
	var ws []When
	if err := json.Unmarshal([]byte(v), &ws); err != nil {
		return nil, fmt.Errorf("-%s: %w", flagWhen, err)
	}
	for _, w := range ws {
		if w.CEL != "" {
			if w.Input != "" || w.Operator != "" || len(w.Values) > 0 {
				return nil, fmt.Errorf("-%s: cel and input, operator, values cannot be set in one expression", flagWhen)
			}
			continue
		}
		if w.Operator != WhenIn && w.Operator != WhenNotIn {
			return nil, fmt.Errorf("-%s: operator must be %q or %q, not %q", flagWhen, WhenIn, WhenNotIn, w.Operator)
		}
	}
	return ws, nil
}

// evalWhen resolves the step result references in o.When and reports the
// first expression that does not hold ("" when all hold); cel evaluates
// an expression's CEL.
func evalWhen(o Options, cel func(string) (bool, error)) (string, error) {
	stepsDir := StepsDir
	if o.StepDir != "" {
		stepsDir = filepath.Dir(o.StepDir)
	}
	for _, w := range o.When {
		ok, err := holds(w, stepsDir, cel)
		if err != nil {
			return "", err
		}
		if !ok {
			return w.String(), nil
		}
	}
	return "", nil
}

// holds evaluates w once its step result references are resolved.
func holds(w When, stepsDir string, cel func(string) (bool, error)) (bool, error) {
	var err error
	if w.CEL != "" {
		if w.CEL, err = replaceStepRefs(stepsDir, w.CEL); err != nil {
			return false, err
		}
		return cel(w.CEL)
	}
	if w.Input, err = replaceStepRefs(stepsDir, w.Input); err != nil {
		return false, err
	}
	vals := make([]string, len(w.Values))
	for i, v := range w.Values {
		if vals[i], err = replaceStepRefs(stepsDir, v); err != nil {
			return false, err
		}
	}
	w.Values = vals
	return w.holds(), nil
}

// evalCEL runs celwhen on expr (on its standard input): cel-go lives in
// that binary, not in the shim, whose start every step pays.
func (r *Runner) evalCEL(expr string) (bool, error) {
	cmd := exec.Command(r.celWhen())
	cmd.Stdin = strings.NewReader(expr)
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return false, fmt.Errorf("cel %q: %s", expr, strings.TrimSpace(string(exit.Stderr)))
	case errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("cel %q: %s is not installed beside the entrypoint (an entrypoint image without celwhen)", expr, r.celWhen())
	case err != nil:
		return false, fmt.Errorf("cel %q: running %s: %w", expr, r.celWhen(), err)
	}
	switch v := strings.TrimSpace(string(out)); v {
	case "true", "false":
		return v == "true", nil
	default:
		return false, fmt.Errorf("cel %q: %s printed %q", expr, r.celWhen(), v)
	}
}

// celWhen is the celwhen binary: the one set, else the one installed
// beside the running shim.
func (r *Runner) celWhen() string {
	if r.celBin != "" {
		return r.celBin
	}
	if self, err := r.self(); err == nil {
		return celWhenBeside(self)
	}
	return CELWhenPath
}
