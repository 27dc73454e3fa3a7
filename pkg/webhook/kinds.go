package webhook

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
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

// kind is one served kind: its names and its v1 and v1beta1 constructors.
type kind struct {
	name, plural string
	v1, v1beta1  func() object
}

// Group is the API group served.
const Group = "tekton.dev"

// kinds are the served kinds. v1 is the storage version.
var kinds = []kind{
	{"Task", "tasks", func() object { return &v1.Task{} }, func() object { return &v1beta1.Task{} }},
	{"TaskRun", "taskruns", func() object { return &v1.TaskRun{} }, func() object { return &v1beta1.TaskRun{} }},
	{"Pipeline", "pipelines", func() object { return &v1.Pipeline{} }, func() object { return &v1beta1.Pipeline{} }},
	{"PipelineRun", "pipelineruns", func() object { return &v1.PipelineRun{} }, func() object { return &v1beta1.PipelineRun{} }},
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
	switch {
	case !ok || gvk.Group != Group:
		return nil, fmt.Errorf("unhandled kind: %v", gvk)
	case gvk.Version == "v1":
		return k.v1(), nil
	case gvk.Version == "v1beta1":
		return k.v1beta1(), nil
	}
	return nil, fmt.Errorf("unhandled kind: %v", gvk)
}

// convert turns in (of gvk) into version to, with Tekton's conversions.
func convert(ctx context.Context, in object, gvk schema.GroupVersionKind, to string) (object, error) {
	k, _ := kindNamed(gvk.Kind)
	var out object
	var err error
	switch {
	case gvk.Version == to:
		return in, nil
	case gvk.Version == "v1beta1" && to == "v1":
		out = k.v1()
		err = in.ConvertTo(ctx, out)
	case gvk.Version == "v1" && to == "v1beta1":
		out = k.v1beta1()
		err = out.ConvertFrom(ctx, in)
	default:
		return nil, fmt.Errorf("cannot convert %s from %s to %s", gvk.Kind, gvk.Version, to)
	}
	if err != nil {
		return nil, fmt.Errorf("converting %s from %s to %s: %w", gvk.Kind, gvk.Version, to, err)
	}
	out.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: Group, Version: to, Kind: gvk.Kind})
	return out, nil
}
