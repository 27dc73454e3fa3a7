// Package prune deletes old finished runs: per Pipeline (or Task) and
// namespace it keeps the newest N successful and M failed runs, and none
// older than a TTL (config.Pruning, from slipway-config, overridden per
// run by annotations). Select is the pure decision; the reconcilers only
// list and delete. A PipelineRun's TaskRuns and pods, and a TaskRun's
// pods, go with it through their owner references; its archived logs stay
// in the registry but their key goes with the TaskRun (D19), unless a
// LogArchive keeps them for prune-logs-ttl (pkg/logs/archiver, D28).
package prune

import (
	"sort"
	"time"

	"github.com/slipway-ci/slipway/pkg/config"
)

// Run is what Select needs of a run.
type Run struct {
	Name string
	// Done is false for a run still going (never pruned).
	Done      bool
	Succeeded bool
	// Completed is the run's completion time.
	Completed time.Time
}

// Select returns the runs that p would delete now, and how long until the
// next kept run reaches the TTL (0: never).
func Select(runs []Run, p config.Pruning, now time.Time) (doomed []Run, next time.Duration) {
	done := make([]Run, 0, len(runs))
	for _, r := range runs {
		if r.Done {
			done = append(done, r)
		}
	}
	// Newest first; the name breaks ties so that the choice is stable.
	sort.Slice(done, func(i, j int) bool {
		if !done[i].Completed.Equal(done[j].Completed) {
			return done[i].Completed.After(done[j].Completed)
		}
		return done[i].Name > done[j].Name
	})
	kept := map[bool]int{}
	for _, r := range done {
		limit := p.KeepFailed
		if r.Succeeded {
			limit = p.KeepSuccessful
		}
		expired := p.TTL > 0 && now.Sub(r.Completed) >= p.TTL
		if expired || (limit != nil && kept[r.Succeeded] >= *limit) {
			doomed = append(doomed, r)
			continue
		}
		kept[r.Succeeded]++
		if p.TTL > 0 {
			if left := r.Completed.Add(p.TTL).Sub(now); next == 0 || left < next {
				next = left
			}
		}
	}
	return doomed, next
}
