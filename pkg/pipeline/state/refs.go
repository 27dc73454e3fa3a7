package state

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// Results declared by each pipeline task's Task, by pipeline task name. A
// task missing from the map (a Task not found yet, a remote one) is not
// checked: its TaskRun reports why it cannot run.
type Results map[string]map[string]bool

// CheckResultRefs is Tekton's check before the first TaskRun: every
// $(tasks.<t>.results.<r>) in a pipeline task, and in the pipeline's
// results, names a result that <t>'s Task declares. It returns the
// condition's reason and message, or "" when all is well.
func CheckResultRefs(spec *v1.PipelineSpec, declared Results) (reason, msg string) {
	for _, pts := range [][]v1.PipelineTask{spec.Tasks, spec.Finally} {
		for i := range pts {
			for _, ref := range v1.PipelineTaskResultRefs(&pts[i]) {
				if err := checkRef(ref, declared); err != nil {
					return v1.PipelineRunReasonInvalidTaskResultReference.String(),
						fmt.Sprintf("invalid result reference in pipeline task %q: %v", pts[i].Name, err)
				}
			}
		}
	}
	for _, res := range spec.Results {
		exprs, _ := res.GetVarSubstitutionExpressions()
		for _, ref := range v1.NewResultRefs(exprs) {
			if err := checkRef(ref, declared); err != nil {
				return v1.PipelineRunReasonInvalidPipelineResultReference.String(),
					fmt.Sprintf("invalid pipeline result %q: %v", res.Name, err)
			}
		}
	}
	return "", ""
}

func checkRef(ref *v1.ResultRef, declared Results) error {
	names, ok := declared[ref.PipelineTask]
	if !ok || names[ref.Result] {
		return nil
	}
	return fmt.Errorf("%q is not a named result returned by pipeline task %q", ref.Result, ref.PipelineTask)
}
