package serving

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Traffic builds spec.traffic for the mode. rev is the new Revision and
// prev the one that served before it ("" when there is none). Targets are
// written the way Knative's defaulting leaves them (latestRevision set
// explicitly), so that comparing with the stored spec is meaningful.
func Traffic(o Options, rev, prev string) ([]interface{}, error) {
	switch o.Mode {
	case ModeLatest, "":
		return []interface{}{target("", 100, "", true)}, nil
	case ModePromote:
		return []interface{}{target(rev, 100, "", false)}, nil
	case ModeCanary:
		if prev == "" {
			return nil, fmt.Errorf("canary of %q needs a previous revision to keep %d%% of the traffic, but service %q has none: deploy it once with traffic mode %q", rev, 100-o.CanaryPercent, o.Service, ModeLatest)
		}
		return []interface{}{
			target(prev, 100-o.CanaryPercent, "", false),
			target(rev, o.CanaryPercent, o.Tag, false),
		}, nil
	default:
		return nil, fmt.Errorf("traffic mode %q: want %s, %s or %s", o.Mode, ModeLatest, ModeCanary, ModePromote)
	}
}

func target(rev string, percent int64, tag string, latest bool) map[string]interface{} {
	t := map[string]interface{}{"percent": percent, "latestRevision": latest}
	if rev != "" {
		t["revisionName"] = rev
	}
	if tag != "" {
		t["tag"] = tag
	}
	return t
}

// PreviousRevision is the Revision, other than rev, that serves the largest
// share of svc's traffic (from status.traffic), falling back to
// status.latestReadyRevisionName. It is "" when there is none.
func PreviousRevision(svc *unstructured.Unstructured, rev string) string {
	if svc == nil {
		return ""
	}
	best, bestPct := "", int64(-1)
	targets, _, _ := unstructured.NestedSlice(svc.Object, "status", "traffic")
	for _, t := range targets {
		m, ok := t.(map[string]interface{})
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(m, "revisionName")
		pct, _, _ := unstructured.NestedInt64(m, "percent")
		if name != "" && name != rev && pct > bestPct {
			best, bestPct = name, pct
		}
	}
	if best != "" {
		return best
	}
	if r, _, _ := unstructured.NestedString(svc.Object, "status", "latestReadyRevisionName"); r != rev {
		return r
	}
	return ""
}
