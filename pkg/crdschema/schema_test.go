package crdschema

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1alpha1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type inner struct {
	Name  string `json:"name"`
	Count *int32 `json:"count,omitempty"`
}

type tree struct {
	Label    string  `json:"label"`
	Children []*tree `json:"children,omitempty"`
}

type sample struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		inner   `json:",inline"`
		Labels  map[string]string `json:"labels,omitempty"`
		Data    []byte            `json:"data,omitempty"`
		When    metav1.Time       `json:"when"`
		Any     any               `json:"any,omitempty"`
		Skipped string            `json:"-"`
		Tree    tree              `json:"tree"`
		hidden  string
	} `json:"spec"`
}

type wrapped struct {
	Spec struct {
		D time.Duration `json:"d"`
		T time.Time     `json:"t"`
	} `json:"spec"`
}

func obj(props map[string]Schema) Schema {
	return Schema{Type: "object", XPreserveUnknownFields: ptr(true), Properties: props}
}

func TestFor(t *testing.T) {
	t.Parallel()
	got, err := For(&sample{}, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	str := Schema{Type: "string"}
	want := obj(map[string]Schema{
		"apiVersion": str, "kind": str, "metadata": {Type: "object"},
		"spec": obj(map[string]Schema{
			"name":   str,
			"count":  {Type: "integer", Format: "int32", Nullable: true},
			"labels": {Type: "object", Nullable: true, AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true, Schema: &str}},
			"data":   {Type: "string", Format: "byte", Nullable: true},
			"when":   {Type: "string", Format: "date-time", Nullable: true},
			"any":    {XPreserveUnknownFields: ptr(true), Nullable: true},
			"tree": obj(map[string]Schema{
				"label": str,
				"children": {Type: "array", Nullable: true, Items: &apiextensionsv1.JSONSchemaPropsOrArray{
					Schema: &Schema{Type: "object", XPreserveUnknownFields: ptr(true), Nullable: true}}},
			}),
		}),
	})
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("schema (-want +got):\n%s", d)
	}
}

func TestForErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		obj  any
		open []string
		want string
	}{
		{name: "custom JSON type without a schema", obj: &wrapped{}, want: "time.Time has a custom JSON form"},
		{name: "not a struct", obj: ptr("x"), want: "is not a struct"},
		{name: "open path that does not exist", obj: &sample{}, open: []string{"spec.nope"}, want: `no property "nope"`},
		{name: "items of a non-array", obj: &sample{}, open: []string{"spec.tree[].label"}, want: "is not an array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := For(tc.obj, Defaults(), tc.open...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("For() error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestOpenPath(t *testing.T) {
	t.Parallel()
	got, err := For(&sample{}, Defaults(), "spec.tree.children[].label", "spec.labels")
	if err == nil {
		t.Fatalf("children items are already open (a cut recursion), want an error, got %v", got)
	}
	got, err = For(&sample{}, Defaults(), "spec.tree", "spec.labels")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"tree", "labels"} {
		if d := cmp.Diff(*open(), got.Properties["spec"].Properties[p]); d != "" {
			t.Errorf("spec.%s not open (-want +got):\n%s", p, d)
		}
	}
}

// TestTektonTypesAreStructural generates every served version and checks
// it with the API server's own structural-schema rules.
func TestTektonTypesAreStructural(t *testing.T) {
	t.Parallel()
	for _, o := range []any{
		&v1.Task{}, &v1.TaskRun{}, &v1.Pipeline{}, &v1.PipelineRun{},
		&v1beta1.Task{}, &v1beta1.TaskRun{}, &v1beta1.Pipeline{}, &v1beta1.PipelineRun{},
		&v1beta1.StepAction{}, &v1alpha1.StepAction{},
	} {
		t.Run(reflect.TypeOf(o).String(), func(t *testing.T) {
			t.Parallel()
			s, err := For(o, Defaults())
			if err != nil {
				t.Fatal(err)
			}
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(s, &internal, nil); err != nil {
				t.Fatal(err)
			}
			ss, err := schema.NewStructural(&internal)
			if err != nil {
				t.Fatal(err)
			}
			if errs := schema.ValidateStructural(nil, ss); len(errs) > 0 {
				t.Fatalf("not structural: %v", errs.ToAggregate())
			}
		})
	}
}
