package entrypoint

import (
	"encoding/json"
	"fmt"
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
// is (in) or is not (notin) among Values, for all of them. The shim
// evaluates them just before the step would start, once the step results
// they refer to exist (Tekton's TEP-0156).
type When struct {
	Input    string   `json:"input"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

func (w When) holds() bool {
	in := slices.Contains(w.Values, w.Input)
	return in == (w.Operator == WhenIn)
}

func (w When) String() string {
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
		if w.Operator != WhenIn && w.Operator != WhenNotIn {
			return nil, fmt.Errorf("-%s: operator must be %q or %q, not %q", flagWhen, WhenIn, WhenNotIn, w.Operator)
		}
	}
	return ws, nil
}

// evalWhen resolves the step result references in o.When and reports the
// first expression that does not hold ("" when all hold).
func evalWhen(o Options) (string, error) {
	stepsDir := StepsDir
	if o.StepDir != "" {
		stepsDir = filepath.Dir(o.StepDir)
	}
	for _, w := range o.When {
		var err error
		if w.Input, err = replaceStepRefs(stepsDir, w.Input); err != nil {
			return "", err
		}
		vals := make([]string, len(w.Values))
		for i, v := range w.Values {
			if vals[i], err = replaceStepRefs(stepsDir, v); err != nil {
				return "", err
			}
		}
		w.Values = vals
		if !w.holds() {
			return w.String(), nil
		}
	}
	return "", nil
}
