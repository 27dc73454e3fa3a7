// Package events posts Kubernetes events (events.k8s.io/v1) for Slipway's
// runs without keeping them: a bounded queue and a few workers, no
// per-event cache. client-go's broadcaster keeps every event it sent for
// six minutes to group repeats into series; Slipway's events never repeat
// (one per run outcome), so that cache only grew with the number of runs
// (≈ 12 MiB after 10,000 TaskRuns finished at once). See docs/design.md D10.
package events
