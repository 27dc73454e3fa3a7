package main

import (
	"fmt"
	"slices"
	"time"
)

// series is a set of measured durations of one scenario.
type series struct {
	name string
	d    []time.Duration
}

func (s *series) add(d time.Duration) { s.d = append(s.d, d) }

func (s series) sorted() []time.Duration {
	c := slices.Clone(s.d)
	slices.Sort(c)
	return c
}

func (s series) min() time.Duration { return s.sorted()[0] }
func (s series) max() time.Duration { return s.sorted()[len(s.d)-1] }

func (s series) median() time.Duration {
	c := s.sorted()
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

func (s series) String() string {
	if len(s.d) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%s / %s / %s", secs(s.min()), secs(s.median()), secs(s.max()))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
