// Command celwhen evaluates the CEL of a step's when expression for the
// step's shim (pkg/entrypoint), which runs it only for a step that has
// one: `celwhen` reads the expression from its standard input (a
// substituted step result may be larger than an argument may be) and
// prints true or false, or the error and exits 2. It is
// a binary of its own so that cel-go's start-up cost (≈ 1.5 ms) is paid by
// those steps only, never by every step's shim (docs/design.md D27).
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/slipway-ci/slipway/pkg/celwhen"
)

func main() {
	if len(os.Args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: celwhen < EXPRESSION")
		os.Exit(2)
	}
	expr, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ok, err := celwhen.Eval(string(expr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(ok)
}
