package prune

import (
	"slices"
	"testing"
	"time"

	"github.com/slipway-ci/slipway/pkg/config"
)

var now = time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC)

func run(name string, ok bool, ago time.Duration) Run {
	return Run{Name: name, Done: true, Succeeded: ok, Completed: now.Add(-ago)}
}

func n(i int) *int { return &i }

func names(rs []Run) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name)
	}
	slices.Sort(out)
	return out
}

func TestSelect(t *testing.T) {
	runs := []Run{
		run("s1", true, 5*time.Hour), run("s2", true, 3*time.Hour), run("s3", true, time.Hour),
		run("f1", false, 4*time.Hour), run("f2", false, 2*time.Hour),
		{Name: "running", Done: false},
	}
	cases := []struct {
		name     string
		p        config.Pruning
		want     []string
		wantNext time.Duration
	}{
		{"nothing set keeps all", config.Pruning{}, []string{}, 0},
		{"keep 2 successful", config.Pruning{KeepSuccessful: n(2)}, []string{"s1"}, 0},
		{"keep 1 failed", config.Pruning{KeepFailed: n(1)}, []string{"f1"}, 0},
		{"keep none", config.Pruning{KeepSuccessful: n(0), KeepFailed: n(0)}, []string{"f1", "f2", "s1", "s2", "s3"}, 0},
		{"ttl", config.Pruning{TTL: 150 * time.Minute}, []string{"f1", "s1", "s2"}, 30 * time.Minute},
		{"ttl and count", config.Pruning{TTL: 4*time.Hour + time.Minute, KeepSuccessful: n(1)}, []string{"s1", "s2"}, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doomed, next := Select(runs, tc.p, now)
			if got := names(doomed); !slices.Equal(got, tc.want) {
				t.Errorf("doomed = %v, want %v", got, tc.want)
			}
			if next != tc.wantNext {
				t.Errorf("next = %v, want %v", next, tc.wantNext)
			}
		})
	}
}
