package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels that tie a TaskRun to the PipelineRun that created it. They are
// Tekton's, so that tkn and dashboards find the children.
const (
	LabelPipelineRun  = "tekton.dev/pipelineRun"
	LabelPipelineTask = "tekton.dev/pipelineTask"
	LabelPipeline     = "tekton.dev/pipeline"
	LabelMemberOf     = "tekton.dev/memberOf"
)

// TaskRunName is the deterministic name of the TaskRun that runs pipeline
// task pt of PipelineRun pr: "<pr>-<pt>", or "<pr>-<pt>-<index>" for the
// index-th combination of a matrix (index < 0 means "not matrixed").
func TaskRunName(pr, pt string, index int) string {
	suffix := pt
	if index >= 0 {
		suffix += "-" + strconv.Itoa(index)
	}
	return ChildName(pr, suffix)
}

// TaskRunOptions are the facts MakeTaskRun needs beyond the PipelineRun and
// the resolved pipeline task.
type TaskRunOptions struct {
	// Name is the TaskRun name (see TaskRunName).
	Name string
	// PipelineName names the Pipeline, for the tekton.dev/pipeline label.
	PipelineName string
	// Finally marks a finally task (label tekton.dev/memberOf).
	Finally bool
	// Timeout is the TaskRun timeout, already bounded by the PipelineRun's
	// remaining timeouts; nil leaves the TaskRun default.
	Timeout *metav1.Duration
	// ClaimNames maps a PipelineRun workspace bound with a
	// volumeClaimTemplate to the PVC created for it (see PVCName).
	ClaimNames map[string]string
	// HeldFor, when set, makes a held TaskRun (AnnotationHeld): the
	// upstream pipeline tasks whose results its HeldToken params wait for.
	HeldFor []string
}

// MakeTaskRun returns the TaskRun for pipeline task pt of pr. pt must be
// resolved: its params substituted and any matrix combination already
// merged into its params. MakeTaskRun is pure.
func MakeTaskRun(pr *v1.PipelineRun, pt v1.PipelineTask, opts TaskRunOptions) (*v1.TaskRun, error) {
	if pt.TaskRef == nil && pt.TaskSpec == nil {
		return nil, fmt.Errorf("pipeline task %q has neither taskRef nor taskSpec", pt.Name)
	}
	if pt.PipelineRef != nil || pt.PipelineSpec != nil {
		return nil, fmt.Errorf("pipeline task %q: pipelines in pipelines are not supported", pt.Name)
	}
	if pt.TaskSpec != nil && pt.TaskSpec.IsCustomTask() {
		return nil, fmt.Errorf("pipeline task %q: custom tasks (%s %s) are not supported", pt.Name, pt.TaskSpec.APIVersion, pt.TaskSpec.Kind)
	}
	ws, err := taskWorkspaces(pr, pt, opts.ClaimNames)
	if err != nil {
		return nil, err
	}
	trs := pr.GetTaskRunSpec(pt.Name)
	tr := &v1.TaskRun{
		TypeMeta:   metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
		ObjectMeta: taskRunMeta(pr, pt, opts, trs.Metadata),
		Spec: v1.TaskRunSpec{
			Params:             pt.Params,
			ServiceAccountName: trs.ServiceAccountName,
			PodTemplate:        trs.PodTemplate,
			Workspaces:         ws,
			Timeout:            opts.Timeout,
			Retries:            pt.Retries,
			StepSpecs:          trs.StepSpecs,
			SidecarSpecs:       trs.SidecarSpecs,
			ComputeResources:   trs.ComputeResources,
		},
	}
	if pt.TaskRef != nil {
		tr.Spec.TaskRef = pt.TaskRef.DeepCopy()
		if pt.TaskRef.Resolver == "" && (pt.TaskRef.Kind == "" || pt.TaskRef.Kind == v1.NamespacedTaskKind) {
			PropagateRefMetadata(&tr.ObjectMeta, LabelTask, pt.TaskRef.Name, nil)
		}
	} else {
		spec := pt.TaskSpec.TaskSpec.DeepCopy()
		tr.Spec.TaskSpec = spec
	}
	if pr.IsCancelled() {
		tr.Spec.Status = v1.TaskRunSpecStatusCancelled
		tr.Spec.StatusMessage = v1.TaskRunCancelledByPipelineMsg
	}
	return tr, nil
}

func taskRunMeta(pr *v1.PipelineRun, pt v1.PipelineTask, opts TaskRunOptions, md *v1.PipelineTaskMetadata) metav1.ObjectMeta {
	labels := map[string]string{}
	annotations := map[string]string{}
	for k, v := range pr.Labels {
		labels[k] = v
	}
	for k, v := range pr.Annotations {
		if k != corev1.LastAppliedConfigAnnotation {
			annotations[k] = v
		}
	}
	for _, m := range []*v1.PipelineTaskMetadata{taskSpecMetadata(pt), md} {
		if m == nil {
			continue
		}
		for k, v := range m.Labels {
			labels[k] = v
		}
		for k, v := range m.Annotations {
			annotations[k] = v
		}
	}
	labels[LabelPipelineRun] = pr.Name
	labels[LabelPipelineTask] = pt.Name
	if opts.PipelineName != "" {
		labels[LabelPipeline] = opts.PipelineName
	}
	labels[LabelMemberOf] = "tasks"
	if opts.Finally {
		labels[LabelMemberOf] = "finally"
	}
	if pt.OnError == v1.PipelineTaskContinue {
		annotations[v1.PipelineTaskOnErrorAnnotation] = string(v1.PipelineTaskContinue)
	}
	if len(opts.HeldFor) > 0 {
		annotations[AnnotationHeld] = strings.Join(opts.HeldFor, ",")
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	return metav1.ObjectMeta{
		Name:            opts.Name,
		Namespace:       pr.Namespace,
		Labels:          labels,
		Annotations:     annotations,
		OwnerReferences: []metav1.OwnerReference{ControllerRef(pr, "PipelineRun")},
	}
}

func taskSpecMetadata(pt v1.PipelineTask) *v1.PipelineTaskMetadata {
	if pt.TaskSpec == nil {
		return nil
	}
	return &pt.TaskSpec.Metadata
}

// taskWorkspaces maps the pipeline task's workspace bindings onto the
// PipelineRun's bindings, joining subPaths.
func taskWorkspaces(pr *v1.PipelineRun, pt v1.PipelineTask, claims map[string]string) ([]v1.WorkspaceBinding, error) {
	bound := make(map[string]*v1.WorkspaceBinding, len(pr.Spec.Workspaces))
	for i := range pr.Spec.Workspaces {
		bound[pr.Spec.Workspaces[i].Name] = &pr.Spec.Workspaces[i]
	}
	var out []v1.WorkspaceBinding
	for _, w := range pt.Workspaces {
		from := w.Workspace
		if from == "" {
			from = w.Name
		}
		b, ok := bound[from]
		if !ok {
			// An optional pipeline workspace left unbound: the task sees none.
			continue
		}
		tb := *b.DeepCopy()
		tb.Name = w.Name
		tb.SubPath = joinSubPath(b.SubPath, w.SubPath)
		if b.VolumeClaimTemplate != nil {
			claim, ok := claims[from]
			if !ok {
				return nil, fmt.Errorf("pipeline task %q: no PVC for volumeClaimTemplate workspace %q", pt.Name, from)
			}
			tb.VolumeClaimTemplate = nil
			tb.PersistentVolumeClaim = &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}
		}
		out = append(out, tb)
	}
	return out, nil
}

func joinSubPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return path.Join(a, b)
}

// PVCName is the deterministic name of the PVC made from the
// volumeClaimTemplate bound to workspace ws of PipelineRun pr.
func PVCName(pr *v1.PipelineRun, ws string) string {
	sum := sha256.Sum256([]byte(string(pr.UID) + "/" + pr.Name + "/" + ws))
	return "pvc-" + hex.EncodeToString(sum[:])[:10]
}

// MakePVC returns the PVC for PipelineRun workspace binding b, which must
// have a volumeClaimTemplate. The PVC is owned by the PipelineRun and shared
// by every TaskRun that uses the workspace.
func MakePVC(pr *v1.PipelineRun, b v1.WorkspaceBinding) *corev1.PersistentVolumeClaim {
	t := b.VolumeClaimTemplate
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        PVCName(pr, b.Name),
			Namespace:   pr.Namespace,
			Labels:      map[string]string{LabelPipelineRun: pr.Name},
			Annotations: t.Annotations,
		},
		Spec: *t.Spec.DeepCopy(),
	}
	for k, v := range t.Labels {
		pvc.Labels[k] = v
	}
	if len(pvc.Spec.AccessModes) == 0 {
		pvc.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	pvc.OwnerReferences = []metav1.OwnerReference{ControllerRef(pr, "PipelineRun")}
	return pvc
}
