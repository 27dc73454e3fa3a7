package state

import (
	"fmt"

	"github.com/google/cel-go/cel"
)

// evalCEL evaluates a when expression's CEL (enable-cel-in-whenexpression)
// after variable substitution, as Tekton does: with CEL's standard library
// and no variables of its own; the result must be a boolean.
func evalCEL(expr string) (bool, error) {
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
