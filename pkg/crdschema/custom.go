package crdschema

import (
	"reflect"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/result"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"knative.dev/pkg/apis"
)

// Defaults returns the schemas of the custom-JSON types that Tekton's API
// types reach: times and durations are strings, quantities int-or-string,
// and the values that are open by design stay open.
func Defaults() Custom {
	timestamp := Schema{Type: "string", Format: "date-time", Nullable: true}
	intOrString := Schema{
		XIntOrString: true,
		AnyOf:        []Schema{{Type: "integer"}, {Type: "string"}},
	}
	anything := Schema{XPreserveUnknownFields: ptr(true), Nullable: true}
	return Custom{
		reflect.TypeFor[metav1.Time]():          timestamp,
		reflect.TypeFor[metav1.MicroTime]():     timestamp,
		reflect.TypeFor[apis.VolatileTime]():    timestamp,
		reflect.TypeFor[metav1.Duration]():      {Type: "string"},
		reflect.TypeFor[apis.URL]():             {Type: "string"},
		reflect.TypeFor[resource.Quantity]():    intOrString,
		reflect.TypeFor[intstr.IntOrString]():   intOrString,
		reflect.TypeFor[runtime.RawExtension](): *open(),
		// Embedded object metadata (a volumeClaimTemplate's) is checked by
		// the webhook; the API server only knows the root metadata.
		reflect.TypeFor[metav1.ObjectMeta](): *open(),
		// A param or result value is a string, an array or an object.
		reflect.TypeFor[v1.ParamValue]():      anything,
		reflect.TypeFor[v1beta1.ParamValue](): anything,
		// Written as a number or as its name.
		reflect.TypeFor[result.ResultType](): intOrString,
	}
}
