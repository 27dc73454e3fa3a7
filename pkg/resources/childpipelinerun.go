package resources

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IsChildPipeline reports whether pt runs a Pipeline of its own
// (pipelineRef or pipelineSpec: Tekton's alpha pipelines in pipelines,
// TEP-0056), as a child PipelineRun.
func IsChildPipeline(pt *v1.PipelineTask) bool {
	return pt.PipelineRef != nil || pt.PipelineSpec != nil
}

// MakeChildPipelineRun returns the child PipelineRun of pipeline task pt of
// pr, as Tekton makes it: owned by pr, with the labels and annotations a
// TaskRun of pt would have (tekton.dev/pipeline naming the referenced
// Pipeline), pt's params, its workspaces mapped onto pr's bindings, and
// pr's taskRunTemplate. Unlike Tekton, the task's timeout (already bounded
// by pr's) becomes the child's pipeline timeout. pt must be resolved.
// MakeChildPipelineRun is pure.
func MakeChildPipelineRun(pr *v1.PipelineRun, pt v1.PipelineTask, opts TaskRunOptions) (*v1.PipelineRun, error) {
	if !IsChildPipeline(&pt) {
		return nil, fmt.Errorf("pipeline task %q runs no Pipeline", pt.Name)
	}
	ws, err := taskWorkspaces(pr, pt, opts.ClaimNames)
	if err != nil {
		return nil, err
	}
	meta := taskRunMeta(pr, pt, opts, nil)
	child := &v1.PipelineRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"},
		ObjectMeta: meta,
		Spec: v1.PipelineRunSpec{
			Params:          pt.Params,
			Workspaces:      ws,
			TaskRunTemplate: pr.Spec.TaskRunTemplate,
		},
	}
	if pt.PipelineRef != nil {
		child.Spec.PipelineRef = pt.PipelineRef.DeepCopy()
		if pt.PipelineRef.Name != "" && pt.PipelineRef.Resolver == "" {
			child.Labels[LabelPipeline] = pt.PipelineRef.Name
		}
	} else {
		child.Spec.PipelineSpec = pt.PipelineSpec.DeepCopy()
	}
	if opts.Timeout != nil {
		child.Spec.Timeouts = &v1.TimeoutFields{Pipeline: opts.Timeout}
	}
	if pr.IsCancelled() {
		child.Spec.Status = v1.PipelineRunSpecStatusCancelled
	}
	return child, nil
}
