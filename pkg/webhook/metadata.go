package webhook

import (
	"context"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// propagateMetadata labels a new run with the Task or Pipeline it runs and
// copies that object's labels and annotations onto it, as Tekton does, so
// that tkn and dashboards that filter on them find the run. It costs no
// write: it is part of the admission patch. The referenced object is read
// from the controller's cache; one that does not exist (yet) only gives
// the name label.
func (a *Admission) propagateMetadata(ctx context.Context, obj object) {
	switch o := obj.(type) {
	case *v1.TaskRun:
		a.refMetadata(ctx, &o.ObjectMeta, resources.LabelTask, taskRefName(o.Spec.TaskRef), &v1.Task{})
	case *v1beta1.TaskRun:
		var name string
		if r := o.Spec.TaskRef; r != nil && r.Resolver == "" && (r.Kind == "" || r.Kind == v1beta1.NamespacedTaskKind) {
			name = r.Name
		}
		a.refMetadata(ctx, &o.ObjectMeta, resources.LabelTask, name, &v1.Task{})
	case *v1.PipelineRun:
		a.pipelineMetadata(ctx, &o.ObjectMeta, o.Spec.PipelineRef != nil, refName(o.Spec.PipelineRef))
	case *v1beta1.PipelineRun:
		var name string
		if r := o.Spec.PipelineRef; r != nil && r.Resolver == "" {
			name = r.Name
		}
		a.pipelineMetadata(ctx, &o.ObjectMeta, o.Spec.PipelineRef != nil, name)
	}
}

// pipelineMetadata: an embedded pipelineSpec is labelled with the
// PipelineRun's own name, as Tekton does.
func (a *Admission) pipelineMetadata(ctx context.Context, meta *metav1.ObjectMeta, hasRef bool, name string) {
	if !hasRef {
		resources.PropagateRefMetadata(meta, resources.LabelPipeline, meta.Name, nil)
		return
	}
	a.refMetadata(ctx, meta, resources.LabelPipeline, name, &v1.Pipeline{})
}

func (a *Admission) refMetadata(ctx context.Context, meta *metav1.ObjectMeta, key, name string, ref client.Object) {
	if name == "" {
		return
	}
	var refMeta *metav1.ObjectMeta
	nn := types.NamespacedName{Namespace: meta.Namespace, Name: name}
	for _, r := range []client.Reader{a.reader, a.apiReader} {
		// The cache first; the API server when the cache has not seen the
		// object yet (a Task applied in the same kubectl apply as its run).
		if r == nil || meta.Namespace == "" {
			continue
		}
		if err := r.Get(ctx, nn, ref); err == nil {
			refMeta = &metav1.ObjectMeta{Labels: ref.GetLabels(), Annotations: ref.GetAnnotations()}
			break
		}
	}
	resources.PropagateRefMetadata(meta, key, name, refMeta)
}

func taskRefName(r *v1.TaskRef) string {
	if r == nil || r.Resolver != "" || (r.Kind != "" && r.Kind != v1.NamespacedTaskKind) {
		return ""
	}
	return r.Name
}

func refName(r *v1.PipelineRef) string {
	if r == nil || r.Resolver != "" {
		return ""
	}
	return r.Name
}
