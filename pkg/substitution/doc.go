// Package substitution replaces Tekton variables such as $(params.foo),
// $(params["foo"]), $(params.list[*]), $(params.obj.key),
// $(context.taskRun.name), $(results.out.path), $(workspaces.src.path) and
// $(tasks.build.results.digest) in strings and in Task specs.
//
// It is pure: no clients, no logging, no I/O. Values are collected once
// (TaskRunValues, or by the PipelineRun side) and applied with Values.String,
// Values.Strings or ApplyToTaskSpec. A reference that Values cannot resolve is
// left untouched, so that later layers (and the kubelet's own $(VAR) env
// expansion) still see it; Unresolved reports the ones that matter.
package substitution
