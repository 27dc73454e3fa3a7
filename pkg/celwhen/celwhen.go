// Package celwhen evaluates the CEL of a when expression
// (enable-cel-in-whenexpression) as Tekton does: after variable
// substitution, with CEL's standard library and no variables of its own;
// the result must be a boolean. The PipelineRun controller calls it for a
// pipeline task's when; a step's when is evaluated by cmd/celwhen, which
// the step's shim runs (D27: cel-go stays out of the shim's own start).
// It is a leaf.
package celwhen

import (
	"fmt"

	"github.com/google/cel-go/cel"
)

// Eval evaluates expr.
func Eval(expr string) (bool, error) {
	env, err := cel.NewEnv()
	if err != nil {
		return false, err
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return false, iss.Err()
	}
	prg, err := env.Program(ast)
	if err != nil {
		return false, err
	}
	out, _, err := prg.Eval(map[string]any{})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("the CEL expression %s is not evaluated to a boolean", expr)
	}
	return b, nil
}
