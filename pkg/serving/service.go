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
	rev, keep, err := revisionFor(existing, o)
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
	if !keep {
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

// revisionFor is the Revision to roll out: RevisionName, except when
// promoting a commit whose Revision the template already names (keep): a
// rebuild of the commit may have another digest, and promote sends all
// traffic to what the canary ran.
func revisionFor(existing *unstructured.Unstructured, o Options) (rev string, keep bool, err error) {
	rev, err = o.RevisionName()
	if err != nil || existing == nil || o.Mode != ModePromote {
		return rev, false, err
	}
	name, _, _ := unstructured.NestedString(existing.Object, "spec", "template", "metadata", "name")
	if name == rev || o.RevisionSuffix == "" && sameCommit(name, rev) {
		return name, true, nil
	}
	return rev, false, nil
}

// sameCommit: two default Revision names of one service and commit, which
// differ only in their digest part.
func sameCommit(a, b string) bool {
	cut := func(s string) string { return s[:max(0, len(s)-shortDigestLen-1)] }
	return len(a) == len(b) && cut(a) == cut(b)
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
