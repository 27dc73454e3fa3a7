package entrypoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// exitNotStarted is the exit code of a step whose process could not be
// started (the shell's "command not found").
const exitNotStarted = 127

// execResult is what running a step's process produced.
type execResult struct {
	started, finished time.Time
	exitCode          int
	// startErr is set when the process never ran.
	startErr error
	// timedOut: the step's timeout expired and the shim stopped it.
	timedOut bool
	// cancelled: ctx ended and the shim stopped it.
	cancelled bool
}

// execute runs the step's process in its own process group, with stdin
// closed and output going to stdout and stderr, and waits for it.
func (r *Runner) execute(ctx context.Context, o Options, stdout, stderr io.Writer) execResult {
	argv, err := commandLine(o)
	if err != nil {
		now := r.now()
		return execResult{started: now, finished: now, exitCode: exitNotStarted, startErr: err}
	}
	newCmd := func() *exec.Cmd {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		// Only matters when stdout/stderr are not files: stop waiting for
		// output from leftover grandchildren once the grace is over.
		cmd.WaitDelay = r.killGrace
		return cmd
	}
	res := execResult{started: r.now()}
	cmd, err := start(newCmd)
	if err != nil {
		res.finished = r.now()
		res.exitCode = exitNotStarted
		res.startErr = fmt.Errorf("starting %q: %w", argv[0], err)
		return res
	}
	stop := r.supervise(ctx, cmd.Process.Pid, o.Timeout)
	_ = cmd.Wait() // the exit status is in ProcessState
	res.finished = r.now()
	res.timedOut, res.cancelled = stop()
	res.exitCode = exitCode(cmd.ProcessState)
	return res
}

// start starts a command, retrying briefly on ETXTBSY: a script file that
// was just written may still be open in a child forked concurrently by
// another goroutine (golang/go#22315).
func start(newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	var err error
	for i := 0; i < 50; i++ {
		cmd := newCmd()
		if err = cmd.Start(); err == nil {
			return cmd, nil
		}
		if !errors.Is(err, syscall.ETXTBSY) {
			return nil, err
		}
		time.Sleep(time.Millisecond)
	}
	return nil, err
}

// exitCode follows the shell: 128+N for a process killed by signal N.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// supervise forwards SIGTERM/SIGINT to the process group of pid and stops
// the group (SIGTERM, then SIGKILL after the grace) when the timeout expires
// or ctx ends. The returned stop function ends supervision once the process
// has exited and says why the shim stopped it, if it did.
func (r *Runner) supervise(ctx context.Context, pid int, timeout time.Duration) (stop func() (timedOut, cancelled bool)) {
	sigs := make(chan os.Signal, 4)
	if r.forwardSignals {
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	}
	var timer *time.Timer
	var expired <-chan time.Time
	if timeout > 0 {
		timer = time.NewTimer(timeout)
		expired = timer.C
	}
	done, finished := make(chan struct{}), make(chan struct{})
	var timedOut, cancelled atomic.Bool
	go func() {
		defer close(finished)
		ctxDone := ctx.Done()
		var kill <-chan time.Time
		terminate := func() {
			_ = syscall.Kill(-pid, syscall.SIGTERM)
			kill = time.After(r.killGrace)
		}
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				_ = syscall.Kill(-pid, s.(syscall.Signal))
			case <-ctxDone:
				ctxDone = nil
				cancelled.Store(true)
				terminate()
			case <-expired:
				expired = nil
				timedOut.Store(true)
				terminate()
			case <-kill:
				kill = nil
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	}()
	return func() (bool, bool) {
		close(done)
		<-finished
		signal.Stop(sigs)
		if timer != nil {
			timer.Stop()
		}
		if timedOut.Load() || cancelled.Load() {
			// Leftovers of a stopped step must not outlive it.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		return timedOut.Load(), cancelled.Load()
	}
}
