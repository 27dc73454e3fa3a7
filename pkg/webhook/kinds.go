package webhook

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1alpha1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
)

// object is what every tekton.dev type the webhook serves implements
// (Convertible is knative's interface, which Tekton's types implement).
type object interface {
	runtime.Object
	apis.Defaultable
	apis.Validatable
	apis.Convertible
}

// kind is one served kind: its names, its storage ("hub") version, and a
// constructor per served version.
type kind struct {
	name, plural string
	hub          string
	versions     map[string]func() object
}

// Group is the API group served.
const Group = "tekton.dev"

// kinds are the served kinds, as Tekton serves them: v1 stored and v1beta1
// converted for the four core kinds; StepActions stored as v1beta1 and
// converted from v1alpha1.
var kinds = []kind{
	{"Task", "tasks", "v1", map[string]func() object{
		"v1": func() object { return &v1.Task{} }, "v1beta1": func() object { return &v1beta1.Task{} }}},
	{"TaskRun", "taskruns", "v1", map[string]func() object{
		"v1": func() object { return &v1.TaskRun{} }, "v1beta1": func() object { return &v1beta1.TaskRun{} }}},
	{"Pipeline", "pipelines", "v1", map[string]func() object{
		"v1": func() object { return &v1.Pipeline{} }, "v1beta1": func() object { return &v1beta1.Pipeline{} }}},
	{"PipelineRun", "pipelineruns", "v1", map[string]func() object{
		"v1": func() object { return &v1.PipelineRun{} }, "v1beta1": func() object { return &v1beta1.PipelineRun{} }}},
	{"StepAction", "stepactions", "v1beta1", map[string]func() object{
		"v1beta1": func() object { return &v1beta1.StepAction{} }, "v1alpha1": func() object { return &v1alpha1.StepAction{} }}},
}

func kindNamed(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// newObject returns an empty object of gvk.
func newObject(gvk schema.GroupVersionKind) (object, error) {
	k, ok := kindNamed(gvk.Kind)
	if !ok || gvk.Group != Group {
		return nil, fmt.Errorf("unhandled kind: %v", gvk)
	}
	mk, ok := k.versions[gvk.Version]
	if !ok {
		return nil, fmt.Errorf("unhandled kind: %v", gvk)
	}
	return mk(), nil
}

// convert turns in (of gvk) into version to, through the kind's hub
// version, with Tekton's conversions.
func convert(ctx context.Context, in object, gvk schema.GroupVersionKind, to string) (object, error) {
	if gvk.Version == to {
		return in, nil
	}
	k, _ := kindNamed(gvk.Kind)
	mk, ok := k.versions[to]
	if !ok {
		return nil, fmt.Errorf("cannot convert %s from %s to %s", gvk.Kind, gvk.Version, to)
	}
	out := mk()
	var err error
	if to == k.hub {
		err = in.ConvertTo(ctx, out)
	} else {
		hub := in
		if gvk.Version != k.hub {
			hub = k.versions[k.hub]()
			err = in.ConvertTo(ctx, hub)
		}
		if err == nil {
			err = out.ConvertFrom(ctx, hub)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("converting %s from %s to %s: %w", gvk.Kind, gvk.Version, to, err)
	}
	out.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: Group, Version: to, Kind: gvk.Kind})
	return out, nil
}
