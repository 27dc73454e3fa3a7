// Command controller runs Slipway's controllers (TaskRun, and PipelineRun
// once registered in run.go) in one controller-runtime manager.
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	opts := defaultOptions()
	opts.bindFlags(flag.CommandLine)
	flag.Parse()
	if err := Run(ctrl.SetupSignalHandler(), opts); err != nil {
		fmt.Fprintln(os.Stderr, "slipway-controller:", err)
		os.Exit(1)
	}
}
