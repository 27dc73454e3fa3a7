package entrypoint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waiter waits for a step's marker file (or its failure marker). It watches
// the marker's directory with inotify and falls back to polling when the
// watch cannot be set up or breaks.
type waiter struct {
	path, errPath string
	watch         *fsnotify.Watcher // nil: polling only
	poll          time.Duration
}

// newWaiter prepares to wait for path. The watch is set up here, before the
// first existence check in wait, so a marker posted in between is never
// missed. poll > 0 forces polling at that interval.
func newWaiter(path string, poll time.Duration) *waiter {
	path = filepath.Clean(path)
	w := &waiter{path: path, errPath: path + ErrSuffix, poll: poll}
	if poll > 0 {
		return w
	}
	w.poll = defaultPollInterval
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return w
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return w
	}
	if err := fw.Add(dir); err != nil {
		_ = fw.Close()
		return w
	}
	w.watch = fw
	return w
}

// wait blocks until the marker or the failure marker exists, reporting
// whether it was the failure marker, or until ctx is done. It releases the
// watch before returning.
func (w *waiter) wait(ctx context.Context) (prevFailed bool, err error) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	interval := w.poll
	if w.watch != nil {
		// Closing an inotify instance blocks for an RCU grace period in the
		// kernel (≈ 10 ms measured), longer than the handoff itself: do it
		// off the step's path.
		defer func() { go w.watch.Close() }()
		events, errs = w.watch.Events, w.watch.Errors
		interval = safetyPollInterval
	}
	if done, failed := w.check(); done {
		return failed, nil
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("waiting for %s: %w", w.path, ctx.Err())
		case ev, ok := <-events:
			if !ok { // watch broke: poll from now on
				events, errs = nil, nil
				tick.Reset(w.poll)
			} else if !w.concerns(ev.Name) {
				continue
			}
		case _, ok := <-errs: // e.g. queue overflow: events may be lost
			if !ok {
				events, errs = nil, nil
				tick.Reset(w.poll)
			}
		case <-tick.C:
		}
		if done, failed := w.check(); done {
			return failed, nil
		}
	}
}

func (w *waiter) concerns(name string) bool {
	base := filepath.Base(name)
	return base == filepath.Base(w.path) || base == filepath.Base(w.errPath)
}

// check looks for the failure marker first, so a step that somehow finds
// both never runs after a failure.
func (w *waiter) check() (done, failed bool) {
	if _, err := os.Lstat(w.errPath); err == nil {
		return true, true
	}
	if _, err := os.Lstat(w.path); err == nil {
		return true, false
	}
	return false, false
}
