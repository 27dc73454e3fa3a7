// Package resolution fetches the Task a TaskRun refers to (and, later, the
// Pipeline a PipelineRun refers to). It does I/O through a controller-runtime
// client and returns typed errors; it never sets conditions or logs: the
// reconciler turns its errors into status.
package resolution
