package serving

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GVR is the Knative Service resource.
var GVR = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1", Resource: "services"}

// Desired returns the Service to write: a copy of existing (nil when the
// Service does not exist yet) with our Revision name, image and traffic.
// changed is false when existing already says exactly that, so a re-run
// writes nothing and Knative creates no new generation.
func Desired(existing *unstructured.Unstructured, o Options) (svc *unstructured.Unstructured, changed bool, err error) {
	rev, err := o.RevisionName()
	if err != nil {
		return nil, false, err
	}
	if existing == nil {
		svc = &unstructured.Unstructured{Object: map[string]interface{}{}}
		svc.SetAPIVersion(GVR.GroupVersion().String())
		svc.SetKind("Service")
		svc.SetName(o.Service)
		svc.SetNamespace(o.Namespace)
	} else {
		svc = existing.DeepCopy()
	}
	if !keepTemplate(existing, rev, o) {
		if err := setTemplate(svc, rev, o); err != nil {
			return nil, false, err
		}
	}
	traffic, err := Traffic(o, rev, PreviousRevision(existing, rev))
	if err != nil {
		return nil, false, err
	}
	if err := unstructured.SetNestedSlice(svc.Object, traffic, "spec", "traffic"); err != nil {
		return nil, false, fmt.Errorf("setting spec.traffic: %w", err)
	}
	if existing == nil {
		return svc, true, nil
	}
	return svc, !equality.Semantic.DeepEqual(existing.Object["spec"], svc.Object["spec"]), nil
}

// keepTemplate is true when promoting a Revision that the template already
// names: a rebuild of the same commit may have another digest, and Knative
// refuses a changed template under an existing Revision name.
func keepTemplate(existing *unstructured.Unstructured, rev string, o Options) bool {
	if existing == nil || o.Mode != ModePromote {
		return false
	}
	name, _, _ := unstructured.NestedString(existing.Object, "spec", "template", "metadata", "name")
	return name == rev
}

// setTemplate names the Revision and pins the first container's image,
// keeping every other field of the template.
func setTemplate(svc *unstructured.Unstructured, rev string, o Options) error {
	if err := unstructured.SetNestedField(svc.Object, rev, "spec", "template", "metadata", "name"); err != nil {
		return fmt.Errorf("setting the revision name: %w", err)
	}
	containers, _, err := unstructured.NestedSlice(svc.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return fmt.Errorf("reading the template's containers: %w", err)
	}
	if len(containers) == 0 {
		containers = []interface{}{map[string]interface{}{}}
	}
	c, ok := containers[0].(map[string]interface{})
	if !ok {
		return fmt.Errorf("spec.template.spec.containers[0] is a %T, not an object", containers[0])
	}
	c["image"] = o.Image
	if o.ContainerPort > 0 {
		c["ports"] = []interface{}{map[string]interface{}{"containerPort": int64(o.ContainerPort)}}
	}
	if len(o.Args) > 0 {
		args := make([]interface{}, len(o.Args))
		for i, a := range o.Args {
			args[i] = a
		}
		c["args"] = args
	}
	containers[0] = c
	return unstructured.SetNestedSlice(svc.Object, containers, "spec", "template", "spec", "containers")
}
