package entrypoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkHandoff measures one step handoff: from the previous step
// starting to post its marker to the next step's waiter returning. The
// waiter is already watching, as it is in a pod where all step containers
// start together.
func BenchmarkHandoff(b *testing.B) {
	for _, mode := range []struct {
		name string
		poll bool
	}{{name: "inotify"}, {name: "polling", poll: true}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			dir := b.TempDir()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				marker := filepath.Join(dir, fmt.Sprint(i), "out")
				var w *waiter
				if mode.poll {
					w = newWaiter(marker, defaultPollInterval)
				} else {
					w = newWaiter(marker, 0)
				}
				waiting, done := make(chan struct{}), make(chan error, 1)
				go func() {
					close(waiting)
					_, err := w.wait(context.Background())
					done <- err
				}()
				<-waiting
				b.StartTimer()
				if err := writeMarker(marker); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWakeFloor is the floor BenchmarkHandoff/inotify stands on: one
// byte through a pipe to a goroutine blocked reading it, which is the same
// netpoller wake-up without inotify. Compare the two on a busy machine.
func BenchmarkWakeFloor(b *testing.B) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 1)
		for {
			if _, err := r.Read(buf); err != nil {
				return
			}
			done <- struct{}{}
		}
	}()
	for i := 0; i < b.N; i++ {
		if _, err := w.Write([]byte{1}); err != nil {
			b.Fatal(err)
		}
		<-done
	}
}

// BenchmarkHandoffExec runs two steps of `true` started together, the
// second waiting for the first, as in a pod. ns/op is the whole pair;
// handoff-ns/op is the gap between the first process ending and the second
// one starting, the handoff as the termination messages record it.
func BenchmarkHandoffExec(b *testing.B) {
	dir := b.TempDir()
	r := NewRunner(withoutSignals())
	var gap int64
	for i := 0; i < b.N; i++ {
		c := chain{dir: filepath.Join(dir, fmt.Sprint(i))}
		if err := os.MkdirAll(c.dir, 0o755); err != nil {
			b.Fatal(err)
		}
		first, second := c.step(0, "a"), c.step(1, "b")
		first.Command, second.Command = []string{"true"}, []string{"true"}
		done := make(chan int, 1)
		go func() { done <- r.Run(context.Background(), second, nil, nil) }()
		if code := r.Run(context.Background(), first, nil, nil); code != 0 {
			b.Fatalf("first step exited %d", code)
		}
		if code := <-done; code != 0 {
			b.Fatalf("second step exited %d", code)
		}
		t1, t2 := mustTermination(b, first), mustTermination(b, second)
		gap += t2.StartedAt.Sub(t1.FinishedAt).Nanoseconds()
	}
	b.ReportMetric(float64(gap)/float64(b.N), "handoff-ns/op")
}

func mustTermination(b *testing.B, o Options) Termination {
	b.Helper()
	t, err := readTerminationFile(o.TerminationPath)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkStepResults is what a step's results cost the shim once its
// process has ended: find, read, fit and report them (the result file is
// rewritten each time, as a step would). 100B is the termination-message
// path every small result takes; the others go to the log (D22).
func BenchmarkStepResults(b *testing.B) {
	for _, size := range []int{100, 20000, 500000} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			c := chain{dir: b.TempDir()}
			o := c.step(0, "s").withDefaults()
			o.Results = []string{"r"}
			if err := os.MkdirAll(o.ResultsDir, 0o755); err != nil {
				b.Fatal(err)
			}
			value := bytes.Repeat([]byte("v"), size)
			r := NewRunner(withoutSignals())
			for i := 0; i < b.N; i++ {
				path := filepath.Join(o.ResultsDir, "r")
				_ = os.Remove(path)
				before := snapshotResults(o)
				if err := os.WriteFile(path, value, 0o644); err != nil {
					b.Fatal(err)
				}
				now := time.Now()
				if code := r.finish(o, io.Discard, io.Discard, before, execResult{started: now, finished: now}); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
