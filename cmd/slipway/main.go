// Command slipway is the command line of Slipway (and of Tekton: it needs
// only the tekton.dev API and pod logs; Slipway's log archive and the
// LogArchives of deleted runs are read where they exist): start runs,
// follow their logs, describe, list, cancel and rerun them.
package main

import (
	"os"

	"github.com/slipway-ci/slipway/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
