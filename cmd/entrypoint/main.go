// Command entrypoint is the shim that runs every step container's process;
// see package entrypoint. Its args come from entrypoint.Options.Args.
package main

import (
	"context"
	"os"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

func main() {
	args := os.Args[1:]
	o, err := entrypoint.Parse(args)
	if err != nil {
		os.Exit(entrypoint.ReportParseError(args, err, os.Stderr))
	}
	os.Exit(entrypoint.Run(context.Background(), o, os.Stdout, os.Stderr))
}
