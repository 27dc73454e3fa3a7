// Package queue holds runs back under concurrency limits (docs/design.md
// D23): which limits a run falls under, whether it may start now, its
// place in the queue, and which runs a strategy cancels.
//
// Limits are read from slipway-config (key concurrency-limits). Decide is
// pure; Manager adds what must outlive one reconcile: the runs it let
// start that the cache may not show started yet, and the wake-ups of
// waiting runs when a slot frees. Reconcilers list the runs and act on
// the verdict (start, wait, cancel); this package does no I/O.
package queue
