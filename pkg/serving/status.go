package serving

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Result is what a finished rollout reports.
type Result struct {
	// URL is the Service's URL (status.url).
	URL string
	// Revision is the Revision that was rolled out.
	Revision string
	// TagURL is the URL of the tagged traffic target, if a tag was asked for.
	TagURL string
}

// RevisionFailedError is Knative's own account of why the rollout failed.
type RevisionFailedError struct {
	Service, Reason, Message string
}

func (e *RevisionFailedError) Error() string {
	return fmt.Sprintf("service %q is not ready: %s: %s", e.Service, e.Reason, e.Message)
}

// Check reports whether svc finished rolling out rev, following Knative's
// client conventions: the controller has observed the current generation,
// Ready is True and the latest ready Revision is ours. A Ready=False
// condition becomes a *RevisionFailedError carrying Knative's message.
func Check(svc *unstructured.Unstructured, rev, tag string) (res Result, done bool, err error) {
	gen := svc.GetGeneration()
	observed, _, _ := unstructured.NestedInt64(svc.Object, "status", "observedGeneration")
	if observed < gen {
		return Result{}, false, nil
	}
	status, reason, msg := condition(svc, "Ready")
	switch status {
	case "False":
		// Ready only says that no Revision is ready; ConfigurationsReady
		// carries the Revision's own failure (image pull, crash, ...).
		if s, r, m := condition(svc, "ConfigurationsReady"); s == "False" {
			reason, msg = r, m
		}
		return Result{}, false, &RevisionFailedError{Service: svc.GetName(), Reason: reason, Message: msg}
	case "True":
	default:
		return Result{}, false, nil
	}
	ready, _, _ := unstructured.NestedString(svc.Object, "status", "latestReadyRevisionName")
	if ready != rev {
		created, _, _ := unstructured.NestedString(svc.Object, "status", "latestCreatedRevisionName")
		if created == rev {
			return Result{}, false, nil // ours exists but is not ready yet
		}
		return Result{}, false, fmt.Errorf("service %q is ready with revision %q, not %q: another writer changed its template", svc.GetName(), ready, rev)
	}
	res = Result{Revision: rev}
	res.URL, _, _ = unstructured.NestedString(svc.Object, "status", "url")
	if tag != "" {
		res.TagURL = tagURL(svc, tag)
	}
	return res, true, nil
}

// condition returns the status, reason and message of the named condition.
func condition(svc *unstructured.Unstructured, typ string) (status, reason, msg string) {
	conds, _, _ := unstructured.NestedSlice(svc.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]interface{})
		if !ok || m["type"] != typ {
			continue
		}
		status, _ = m["status"].(string)
		reason, _ = m["reason"].(string)
		msg, _ = m["message"].(string)
		return status, reason, msg
	}
	return "", "", ""
}

func tagURL(svc *unstructured.Unstructured, tag string) string {
	targets, _, _ := unstructured.NestedSlice(svc.Object, "status", "traffic")
	for _, t := range targets {
		m, ok := t.(map[string]interface{})
		if ok && m["tag"] == tag {
			u, _ := m["url"].(string)
			return u
		}
	}
	return ""
}
