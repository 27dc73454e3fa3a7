package entrypoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// install copies the running binary to o.CopyTo (and celwhen beside it) and, with WaitAfterCopy,
// keeps running until SIGTERM/SIGINT or ctx ends.
func (r *Runner) install(ctx context.Context, o Options, stderr io.Writer) int {
	self, err := r.self()
	if err == nil {
		err = copyFile(self, o.CopyTo)
	}
	if err == nil {
		err = installCompanion(self, o.CopyTo, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "entrypoint: installing to %s: %v\n", o.CopyTo, err)
		return 1
	}
	if o.WaitAfterCopy {
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		<-ctx.Done()
	}
	return 0
}

// installCompanion copies celwhen (cmd/celwhen), which the entrypoint's
// image holds beside it, next to the installed entrypoint. An image
// without it installs the entrypoint alone: a step's CEL when then fails
// saying so.
func installCompanion(self, copyTo string, stderr io.Writer) error {
	src := celWhenBeside(self)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "entrypoint: no %s beside %s: CEL in a step's when will not work\n", CELWhenName, self)
		return nil
	}
	return copyFile(src, celWhenBeside(copyTo))
}

// celWhenBeside is where celwhen is beside the entrypoint binary at bin.
func celWhenBeside(bin string) string {
	return filepath.Join(filepath.Dir(bin), CELWhenName)
}

// copyFile copies src to dst as an executable, through a temporary file in
// dst's directory and a rename, so that a step starting meanwhile runs
// either the old binary or the new one, never half of one.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	_, err = io.Copy(tmp, in)
	if err == nil {
		err = tmp.Chmod(0o755)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
