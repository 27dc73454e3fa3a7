// Package pipeline is the PipelineRun reconciler. It only orchestrates:
// read the PipelineRun, resolve its pipeline, list its child TaskRuns, ask
// the pure state package what to do, then create PVCs and TaskRuns, cancel
// TaskRuns, and write status. The graph lives in pipeline/dag, the
// decisions in pipeline/state and the child objects in pkg/resources.
//
// It must not decide anything itself, build objects by hand, or run a
// TaskRun: the TaskRun controller (pkg/task) does that.
package pipeline
