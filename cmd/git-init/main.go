// Command git-init clones a git repository at a revision with go-git and
// writes the commit, URL and committer date to result files; it is the step
// of the git-clone catalog task. See package git and `git-init -help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}
