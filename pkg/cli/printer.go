package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// palette colours the prefixes of tasks on a terminal.
var palette = []string{"\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m", "\x1b[91m"}

const reset = "\x1b[0m"

// printer writes prefixed log lines from several tasks at once, each line
// whole. On a terminal it colours the prefixes and keeps a progress line
// per running task below the logs, redrawn as lines arrive and on tick.
type printer struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	now      func() time.Time
	colour   map[string]string
	progress map[string]*taskProgress
	drawn    int
}

// taskProgress is what a task's progress line shows.
type taskProgress struct {
	step, steps int
	name        string
	since       time.Time
}

func newPrinter(w io.Writer, tty bool) *printer {
	return &printer{w: w, tty: tty, now: time.Now, colour: map[string]string{}, progress: map[string]*taskProgress{}}
}

// line writes one log line of task's step.
func (p *printer) line(task, step, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	prefix := linePrefix(task, step)
	if p.tty {
		c, ok := p.colour[task]
		if !ok {
			c = palette[len(p.colour)%len(palette)]
			p.colour[task] = c
		}
		prefix = c + prefix + reset
	}
	fprintf(p.w, "%s%s\n", prefix, strings.TrimRight(text, "\n"))
	p.draw()
}

// text writes a line without a prefix (the outcome, a notice).
func (p *printer) text(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fprintf(p.w, "%s\n", s)
	p.draw()
}

// setProgress records that task runs its step k of n; k = 0 ends it.
func (p *printer) setProgress(task string, k, n int, name string, since time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k == 0 {
		delete(p.progress, task)
	} else {
		p.progress[task] = &taskProgress{step: k, steps: n, name: name, since: since}
	}
	p.clear()
	p.draw()
}

// tick redraws the progress lines (their elapsed times).
func (p *printer) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.draw()
}

// finish removes the progress lines for good.
func (p *printer) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.progress = map[string]*taskProgress{}
}

func (p *printer) clear() {
	if p.drawn > 0 {
		fprintf(p.w, "\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

func (p *printer) draw() {
	if !p.tty {
		return
	}
	lines := progressLines(p.progress, p.now())
	for _, l := range lines {
		fprintf(p.w, "\x1b[2m%s\x1b[0m\n", l)
	}
	p.drawn = len(lines)
}

// progressLines renders one line per running task, in name order:
// "⏵ build  step 2/3 compile  12.3s".
func progressLines(progress map[string]*taskProgress, now time.Time) []string {
	names := make([]string, 0, len(progress))
	for n := range progress {
		names = append(names, n)
	}
	sort.Strings(names)
	lines := make([]string, len(names))
	for i, n := range names {
		tp := progress[n]
		task := n
		if task == "" {
			task = "taskrun"
		}
		lines[i] = fmt.Sprintf("⏵ %s  step %d/%d %s  %.1fs", task, tp.step, tp.steps, tp.name, now.Sub(tp.since).Seconds())
	}
	return lines
}
