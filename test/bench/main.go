// Command bench measures Slipway on the local cluster against the floor that
// the cluster itself sets (raw Pods doing the same work), prints a table and
// writes docs/performance.md. `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	var o options
	flag.IntVar(&o.runs, "runs", 10, "runs per latency scenario")
	flag.IntVar(&o.throughputRuns, "throughput-taskruns", 1000, "TaskRuns created at once for the throughput scenario")
	flag.IntVar(&o.completed, "completed-taskruns", 10000, "completed TaskRuns in the cluster for the memory scenario")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (latency,steps,sleep,throughput,memory,dag,chain,chain60,handoff); empty = all")
	flag.StringVar(&o.out, "out", "docs/performance.md", "report to write (empty = none)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
