package state

import (
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/substitution"
)

// propagate applies Tekton's propagation to an embedded taskSpec (a
// pipeline task without one is returned as it is):
//   - params, context and results the pipeline task sees are substituted
//     into the spec, except the params the spec declares itself, which
//     keep coming through the TaskRun's params;
//   - a workspace the spec uses ($(workspaces.<w>.…)) without declaring
//     it, and that the PipelineRun binds, is declared and bound by name.
func propagate(pt v1.PipelineTask, v substitution.Values, run []v1.WorkspaceBinding) v1.PipelineTask {
	if pt.TaskSpec == nil {
		return pt
	}
	own := v.Merge(substitution.NewValues())
	for _, p := range pt.TaskSpec.Params {
		key := "params." + p.Name
		delete(own.Strings, key)
		delete(own.Arrays, key)
		delete(own.Objects, key)
	}
	es := pt.TaskSpec.DeepCopy()
	es.TaskSpec = *substitution.ApplyToTaskSpec(&es.TaskSpec, own)
	pt.TaskSpec = es
	propagateWorkspaces(&pt, run)
	return pt
}

func propagateWorkspaces(pt *v1.PipelineTask, run []v1.WorkspaceBinding) {
	declared, bound := map[string]bool{}, map[string]bool{}
	for _, w := range pt.TaskSpec.Workspaces {
		declared[w.Name] = true
	}
	for _, w := range pt.Workspaces {
		bound[w.Name] = true
	}
	used := substitution.UsedWorkspaces(&pt.TaskSpec.TaskSpec)
	for _, b := range run {
		if !used[b.Name] || declared[b.Name] || bound[b.Name] {
			continue
		}
		pt.TaskSpec.Workspaces = append(pt.TaskSpec.Workspaces, v1.WorkspaceDeclaration{Name: b.Name})
		pt.Workspaces = append(pt.Workspaces, v1.WorkspacePipelineTaskBinding{Name: b.Name, Workspace: b.Name})
	}
}
