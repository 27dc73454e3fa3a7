package queue

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Run is what a limit needs to know of a PipelineRun or TaskRun.
type Run struct {
	Kind, Namespace, Name string
	Labels                map[string]string
	// Of is the Pipeline or Task the run runs, by reference or label.
	Of       string
	Created  time.Time
	Priority int
	// Started: the run has a start time (it was let through).
	Started bool
	Done    bool
	// Held: neither running nor waiting (spec.status pending, or cancelled
	// before it started).
	Held bool
	// Cancelling: running, but cancelled; it still counts until done.
	Cancelling bool
}

// Key is the run's namespace/name.
func (r *Run) Key() string { return r.Namespace + "/" + r.Name }

// Verdict is what a run not yet started does now.
type Verdict struct {
	// Start: every limit it falls under lets it start.
	Start bool
	// Reject: a cancel-newest limit cancels it.
	Reject bool
	// Limit is the limit that holds or rejects it; Message says how, with
	// the run's position in the queue.
	Limit, Message string
	// Position (1-based) and Waiting: the run's place in Limit's queue.
	Position, Waiting int
	// Cancel are running runs that cancel-oldest limits stop for it.
	Cancel []*Run
}

// Decide says whether r may start now, given every limit, the runs of
// r's kind (peers; r among them or not) and the runs let through that may
// not show as started yet (admitted, by key). It is pure.
func Decide(r *Run, limits []Limit, peers []*Run, admitted map[string]bool) Verdict {
	if r.Started || admitted[r.Key()] {
		return Verdict{Start: true}
	}
	v := Verdict{Start: true}
	for i := range limits {
		l := &limits[i]
		if !l.Matches(r) {
			continue
		}
		lv := decideOne(r, l, peers, admitted)
		v.Cancel = append(v.Cancel, lv.Cancel...)
		switch {
		case lv.Reject:
			return lv
		case !lv.Start && v.Start:
			lv.Cancel = v.Cancel
			v = lv
		}
	}
	return v
}

// decideOne applies one limit.
func decideOne(r *Run, l *Limit, peers []*Run, admitted map[string]bool) Verdict {
	running, waiting := members(r, l, peers, admitted)
	waiting = append(waiting, r)
	sortQueue(waiting)
	pos := 0
	for waiting[pos] != r {
		pos++
	}
	if pos < l.Max-len(running) {
		return Verdict{Start: true}
	}
	v := Verdict{Limit: l.Name, Position: pos + 1, Waiting: len(waiting)}
	what := fmt.Sprintf("concurrency limit %q%s allows %d at once and %d are running", l.Name, l.groupName(r), l.Max, len(running))
	switch l.Strategy {
	case StrategyCancelNewest:
		v.Reject = true
		v.Message = fmt.Sprintf("cancelled at once: %s (strategy %s)", what, l.Strategy)
	case StrategyCancelOldest:
		v.Cancel = oldestToCancel(running, len(running)+pos+1-l.Max)
		v.Message = fmt.Sprintf("waiting for older runs to stop: %s (strategy %s)", what, l.Strategy)
	default:
		v.Message = fmt.Sprintf("queued: %s; position %d of %d waiting", what, pos+1, len(waiting))
	}
	return v
}

// members are the other runs of r's group under l that are not done:
// those running (started, or let through and not shown started yet) and
// those waiting (neither, nor held).
func members(r *Run, l *Limit, peers []*Run, admitted map[string]bool) (running, waiting []*Run) {
	g := l.group(r)
	for _, p := range peers {
		if p.Done || p.Key() == r.Key() || !l.Matches(p) || l.group(p) != g {
			continue
		}
		switch {
		case p.Started || admitted[p.Key()]:
			running = append(running, p)
		case !p.Held:
			waiting = append(waiting, p)
		}
	}
	return running, waiting
}

// oldestToCancel picks the oldest running runs not yet cancelling so that
// need runs fewer are running once the cancelling ones stop.
func oldestToCancel(running []*Run, need int) []*Run {
	sort.SliceStable(running, func(i, j int) bool { return older(running[i], running[j]) })
	var out []*Run
	for _, p := range running {
		if p.Cancelling {
			need--
		}
	}
	for _, p := range running {
		if need <= 0 {
			break
		}
		if !p.Cancelling {
			out = append(out, p)
			need--
		}
	}
	return out
}

// sortQueue orders waiting runs: higher priority first, then first come.
func sortQueue(runs []*Run) {
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].Priority != runs[j].Priority {
			return runs[i].Priority > runs[j].Priority
		}
		return older(runs[i], runs[j])
	})
}

func older(a, b *Run) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return strings.Compare(a.Key(), b.Key()) < 0
}

// Heads returns, for every limit r falls under, the first waiting runs of
// r's group, as many as the limit's Max: the runs to look at again when r
// ends (the others cannot start before them).
func Heads(r *Run, limits []Limit, peers []*Run, admitted map[string]bool) []*Run {
	seen := map[string]bool{}
	var out []*Run
	for i := range limits {
		l := &limits[i]
		if !l.Matches(r) {
			continue
		}
		_, waiting := members(r, l, peers, admitted)
		sortQueue(waiting)
		for _, p := range waiting[:min(len(waiting), l.Max+headSlack)] {
			if !seen[p.Key()] {
				seen[p.Key()] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// headSlack: a few runs past the ones that may start are looked at again
// too, so that the positions the first of the queue show stay current.
const headSlack = 10
