package entrypoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// stepRef matches $(steps.<step>.results.<result>), optionally followed by
// [<index>], [*] or .<key> (Tekton's step result references).
var stepRef = regexp.MustCompile(`\$\(\s*steps\.([^.()\s]+)\.results\.([^.()\[\]\s]+)(?:\[(\*|\d+)\]|\.([^()\s]+))?\s*\)`)

// ParseStepRef reads s when it is exactly one $(steps.<step>.results.<r>)
// reference (no index or key).
func ParseStepRef(s string) (step, result string, ok bool) {
	m := stepRef.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[0] != strings.TrimSpace(s) || m[3] != "" || m[4] != "" {
		return "", "", false
	}
	return m[1], m[2], true
}

// StepResultsDir is where step <name> writes its results.
func StepResultsDir(stepDir string) string { return filepath.Join(stepDir, "results") }

// resolveStepRefs replaces the references to earlier steps' results in the
// step's script, command and environment with what those steps wrote
// under StepsDir. It runs just before the step's process starts, once the
// steps it refers to are done (the controller could not know the values
// when it made the pod). A whole-array reference that is a command
// element on its own expands into the array's elements.
func resolveStepRefs(o Options) (Options, error) {
	if o.StepDir != "" {
		if err := os.MkdirAll(StepResultsDir(o.StepDir), 0o755); err != nil {
			return o, fmt.Errorf("creating step results directory: %w", err)
		}
	}
	stepsDir := StepsDir
	if o.StepDir != "" {
		stepsDir = filepath.Dir(o.StepDir)
	}
	var err error
	if o.Script, err = replaceStepRefs(stepsDir, o.Script); err != nil {
		return o, err
	}
	cmd := make([]string, 0, len(o.Command))
	for _, c := range o.Command {
		if m := stepRef.FindStringSubmatch(c); m != nil && m[0] == c && m[3] == "*" {
			v, err := loadStepResult(stepsDir, m[1], m[2])
			if err != nil {
				return o, err
			}
			cmd = append(cmd, v.array()...)
			continue
		}
		s, err := replaceStepRefs(stepsDir, c)
		if err != nil {
			return o, err
		}
		cmd = append(cmd, s)
	}
	if o.Command != nil {
		o.Command = cmd
	}
	return o, replaceEnvStepRefs(stepsDir)
}

func replaceEnvStepRefs(stepsDir string) error {
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.Contains(v, "$(") {
			continue
		}
		nv, err := replaceStepRefs(stepsDir, v)
		if err != nil {
			return fmt.Errorf("env %s: %w", k, err)
		}
		if nv != v {
			if err := os.Setenv(k, nv); err != nil {
				return fmt.Errorf("setting env %s: %w", k, err)
			}
		}
	}
	return nil
}

func replaceStepRefs(stepsDir, s string) (string, error) {
	if !strings.Contains(s, "$(") {
		return s, nil
	}
	var firstErr error
	out := stepRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := stepRef.FindStringSubmatch(ref)
		v, err := loadStepResult(stepsDir, m[1], m[2])
		if err == nil {
			var s string
			s, err = v.pick(m[3], m[4])
			if err == nil {
				return s
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("resolving %s: %w", ref, err)
		}
		return ref
	})
	return out, firstErr
}

// stepValue is a step result: a string, or a JSON array or object.
type stepValue struct {
	str string
	arr []string
	obj map[string]string
}

func (v stepValue) array() []string {
	if v.arr != nil {
		return v.arr
	}
	return []string{v.str}
}

// pick returns the element, the key or the whole string value.
func (v stepValue) pick(index, key string) (string, error) {
	switch {
	case index == "*":
		return "", fmt.Errorf("a whole array can only be a command or args element on its own")
	case index != "":
		i, _ := strconv.Atoi(index)
		if i >= len(v.arr) {
			return "", fmt.Errorf("index %d out of range (%d elements)", i, len(v.arr))
		}
		return v.arr[i], nil
	case key != "":
		s, ok := v.obj[key]
		if !ok {
			return "", fmt.Errorf("no key %q", key)
		}
		return s, nil
	}
	return v.str, nil
}

func loadStepResult(stepsDir, step, name string) (stepValue, error) {
	b, err := os.ReadFile(filepath.Join(StepResultsDir(filepath.Join(stepsDir, "step-"+step)), name))
	if err != nil {
		if os.IsNotExist(err) {
			return stepValue{}, fmt.Errorf("step %q did not write result %q", step, name)
		}
		return stepValue{}, err
	}
	return parseStepValue(b), nil
}

func parseStepValue(b []byte) stepValue {
	v := stepValue{str: string(b)}
	switch t := strings.TrimSpace(string(b)); {
	case strings.HasPrefix(t, "["):
		_ = json.Unmarshal(b, &v.arr)
	case strings.HasPrefix(t, "{"):
		_ = json.Unmarshal(b, &v.obj)
	}
	return v
}

// readStepResults returns the results this step wrote to its StepDir. A
// missing one is the controller's to report; one over the limit fails the
// step.
func readStepResults(o Options) (map[string]string, error) {
	if o.StepDir == "" || len(o.StepResults) == 0 {
		return nil, nil
	}
	var out map[string]string
	var errs []error
	for _, name := range o.StepResults {
		b, err := readCapped(filepath.Join(StepResultsDir(o.StepDir), name), o.MaxResultBytes)
		if errors.Is(err, errResultTooLarge) {
			errs = append(errs, err)
		}
		if err != nil {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = string(b)
	}
	return out, errors.Join(errs...)
}
