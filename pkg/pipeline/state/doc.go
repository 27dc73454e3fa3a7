// Package state evaluates a PipelineRun: given the pipeline spec, its
// dependency graph and the child TaskRuns that exist, it decides which
// pipeline tasks are done, failed, cancelled or skipped (and why), which
// TaskRuns to create or cancel next, the run's Succeeded condition, its
// skipped tasks, child references and results, and when to look again.
//
// It is pure: no clients, no logging, and the time is an input. Variable
// values ($(params.x), $(tasks.a.results.r), $(tasks.a.status), ...) are
// built here and applied with pkg/substitution.
package state
