package entrypoint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// Run one step the way a step container does: parse the args the
// controller rendered, then run.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "entrypoint-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	args := entrypoint.Options{
		Step:            "greet",
		PostFile:        filepath.Join(dir, "run", "0", "out"),
		TerminationPath: filepath.Join(dir, "termination-log"),
		ScriptsDir:      filepath.Join(dir, "scripts"),
		Script:          `printf 'hello %s\n' "$1"`,
		Command:         []string{"world"},
	}.Args()

	o, err := entrypoint.Parse(args)
	if err != nil {
		fmt.Println(err)
		return
	}
	code := entrypoint.Run(context.Background(), o, os.Stdout, os.Stderr)

	msg, _ := os.ReadFile(o.TerminationPath)
	t, _ := entrypoint.ParseTermination(string(msg))
	_, posted := os.Stat(o.PostFile)
	fmt.Println(code, t.Reason, posted == nil)
	// Output:
	// hello world
	// 0 Completed true
}
