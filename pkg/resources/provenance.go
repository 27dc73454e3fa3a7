package resources

import (
	"encoding/json"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// AnnotationRefSource carries, on a TaskRun a PipelineRun made from a
// remotely resolved Task, where the Task came from (Tekton's RefSource as
// JSON); the TaskRun reports it as status.provenance.refSource.
const AnnotationRefSource = "slipway.dev/ref-source"

// InlineResolvedTask returns pt with the remotely resolved Task in place
// of its taskRef, so that the PipelineRun's stored spec, and every
// TaskRun made from it, keep what was resolved when the run started: a
// moving branch or tag cannot change a run halfway (D15). The child
// TaskRun gets label tekton.dev/task and the provenance annotation.
func InlineResolvedTask(pt v1.PipelineTask, name string, spec *v1.TaskSpec, src *v1.RefSource) v1.PipelineTask {
	out := *pt.DeepCopy()
	out.TaskRef = nil
	out.TaskSpec = &v1.EmbeddedTask{TaskSpec: *spec.DeepCopy()}
	md := &out.TaskSpec.Metadata
	if name != "" {
		md.Labels = map[string]string{LabelTask: name}
	}
	if src != nil {
		if b, err := json.Marshal(src); err == nil {
			md.Annotations = map[string]string{AnnotationRefSource: string(b)}
		}
	}
	return out
}

// RefSourceOf reads the provenance annotation of a TaskRun (nil: none or
// unreadable).
func RefSourceOf(tr *v1.TaskRun) *v1.RefSource {
	s, ok := tr.Annotations[AnnotationRefSource]
	if !ok {
		return nil
	}
	var src v1.RefSource
	if json.Unmarshal([]byte(s), &src) != nil {
		return nil
	}
	return &src
}
