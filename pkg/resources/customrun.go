package resources

import (
	"encoding/json"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/approval"
)

// The custom task Slipway runs itself: a manual approval gate (pkg/approval).
const (
	ApprovalAPIVersion = "slipway.dev/v1alpha1"
	ApprovalKind       = "Approval"
)

// IsApproval reports whether a CustomRun's customRef (or a pipeline
// task's taskRef) names Slipway's Approval.
func IsApproval(apiVersion, kind string) bool {
	return apiVersion == ApprovalAPIVersion && kind == ApprovalKind
}

// IsApprovalRun reports whether cr runs Slipway's Approval.
func IsApprovalRun(cr *v1beta1.CustomRun) bool {
	return cr.Spec.CustomRef != nil && IsApproval(cr.Spec.CustomRef.APIVersion, string(cr.Spec.CustomRef.Kind))
}

// IsCustomTask reports whether pt runs as a CustomRun: its taskRef names
// an apiVersion and kind of its own (Tekton's custom tasks).
func IsCustomTask(pt *v1.PipelineTask) bool {
	return pt.TaskRef != nil && pt.TaskRef.APIVersion != "" && pt.TaskRef.Kind != ""
}

// MakeCustomRun returns the CustomRun (tekton.dev/v1beta1) for custom
// pipeline task pt of pr, with the labels, annotations and owner a TaskRun
// of pt would have. pt must be resolved. MakeCustomRun is pure.
func MakeCustomRun(pr *v1.PipelineRun, pt v1.PipelineTask, opts TaskRunOptions) (*v1beta1.CustomRun, error) {
	if !IsCustomTask(&pt) {
		return nil, fmt.Errorf("pipeline task %q is not a custom task", pt.Name)
	}
	var params v1beta1.Params
	if len(pt.Params) > 0 {
		// The two versions' params have the same JSON form.
		b, err := json.Marshal(pt.Params)
		if err == nil {
			err = json.Unmarshal(b, &params)
		}
		if err != nil {
			return nil, fmt.Errorf("pipeline task %q: params: %w", pt.Name, err)
		}
	}
	trs := pr.GetTaskRunSpec(pt.Name)
	cr := &v1beta1.CustomRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1beta1", Kind: "CustomRun"},
		ObjectMeta: taskRunMeta(pr, pt, opts, trs.Metadata),
		Spec: v1beta1.CustomRunSpec{
			CustomRef:          &v1beta1.TaskRef{APIVersion: pt.TaskRef.APIVersion, Kind: v1beta1.TaskKind(pt.TaskRef.Kind), Name: pt.TaskRef.Name},
			Params:             params,
			ServiceAccountName: trs.ServiceAccountName,
			Timeout:            opts.Timeout,
			Retries:            pt.Retries,
		},
	}
	// Decisions are recorded by the admission webhook only, with who made
	// them: none come from the PipelineRun's annotations.
	for _, k := range []string{approval.AnnotationApprove, approval.AnnotationReject, approval.AnnotationDecisions} {
		delete(cr.Annotations, k)
	}
	if pr.IsCancelled() {
		cr.Spec.Status = v1beta1.CustomRunSpecStatusCancelled
		cr.Spec.StatusMessage = v1beta1.CustomRunCancelledByPipelineMsg
	}
	return cr, nil
}
