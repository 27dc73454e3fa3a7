package approval

import (
	"strings"
	"testing"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func gate(params v1beta1.Params, decisions []Decision, mods ...func(*v1beta1.CustomRun)) *v1beta1.CustomRun {
	cr := &v1beta1.CustomRun{ObjectMeta: metav1.ObjectMeta{Name: "gate", Namespace: "ns"}}
	cr.Spec.CustomRef = &v1beta1.TaskRef{APIVersion: "slipway.dev/v1alpha1", Kind: "Approval"}
	cr.Spec.Params = params
	if decisions != nil {
		cr.Annotations = map[string]string{AnnotationDecisions: Record(nil, decisions[0])}
		for _, d := range decisions[1:] {
			ds, _ := Decisions(cr)
			cr.Annotations[AnnotationDecisions] = Record(ds, d)
		}
	}
	for _, m := range mods {
		m(cr)
	}
	return cr
}

func approvers(names ...string) v1beta1.Param {
	return v1beta1.Param{Name: ParamApprovers, Value: *v1beta1.NewStructuredValues(names[0], names[1:]...)}
}

func str(name, v string) v1beta1.Param {
	return v1beta1.Param{Name: name, Value: *v1beta1.NewStructuredValues(v)}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	yes := func(u string) Decision { return Decision{User: u, Approved: true, Time: t0} }
	no := Decision{User: "carol", Message: "not today", Time: t0}
	two := v1beta1.Params{approvers("alice", "group:release"), str(ParamRequired, "2"), str(ParamReason, "production")}
	timeout := func(cr *v1beta1.CustomRun) { cr.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Minute} }
	tests := []struct {
		name        string
		cr          *v1beta1.CustomRun
		now         time.Time
		wantReason  string
		wantMsg     string
		wantRecheck time.Duration
	}{
		{name: "waiting", cr: gate(two, nil), now: t0, wantReason: ReasonWaiting,
			wantMsg: "waiting for approval (0 of 2) from alice, group:release (production): approve with `slipway approve gate`"},
		{name: "one of two", cr: gate(two, []Decision{yes("alice")}), now: t0, wantReason: ReasonWaiting, wantMsg: "(1 of 2)"},
		{name: "approved", cr: gate(two, []Decision{yes("alice"), yes("dave")}), now: t0, wantReason: ReasonApproved, wantMsg: "approved by alice, dave"},
		{name: "a user counts once", cr: gate(two, []Decision{yes("alice"), yes("alice")}), now: t0, wantReason: ReasonWaiting},
		{name: "rejected", cr: gate(two, []Decision{yes("alice"), no}), now: t0, wantReason: ReasonRejected, wantMsg: "rejected by carol (not today)"},
		{name: "changed their mind", cr: gate(two, []Decision{no, yes("carol"), yes("alice")}), now: t0, wantReason: ReasonApproved},
		{name: "timeout ahead", cr: gate(two, nil, timeout), now: t0.Add(time.Minute), wantReason: ReasonWaiting, wantRecheck: 9 * time.Minute},
		{name: "timed out", cr: gate(two, nil, timeout), now: t0.Add(11 * time.Minute), wantReason: ReasonTimedOut, wantMsg: "got 0 of 2 approvals within 10m0s"},
		{name: "cancelled", cr: gate(two, nil, func(cr *v1beta1.CustomRun) { cr.Spec.Status = v1beta1.CustomRunSpecStatusCancelled }),
			now: t0, wantReason: ReasonCancelled},
		{name: "no approvers", cr: gate(nil, nil), now: t0, wantReason: ReasonInvalidParams, wantMsg: "must name at least one user"},
		{name: "bad count", cr: gate(v1beta1.Params{approvers("a"), str(ParamRequired, "zero")}, nil), now: t0,
			wantReason: ReasonInvalidParams, wantMsg: "whole number"},
		{name: "unknown param", cr: gate(v1beta1.Params{approvers("a"), str("approver", "b")}, nil), now: t0,
			wantReason: ReasonInvalidParams, wantMsg: `unknown param "approver"`},
		{name: "approvers as a string", cr: gate(v1beta1.Params{str(ParamApprovers, "alice, bob")}, []Decision{yes("bob")}), now: t0,
			wantReason: ReasonApproved},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := Evaluate(tc.cr, t0, tc.now)
			if o.Condition.Reason != tc.wantReason || !strings.Contains(o.Condition.Message, tc.wantMsg) || o.RecheckIn != tc.wantRecheck {
				t.Errorf("Evaluate = %s: %q (recheck %s); want %s with %q (recheck %s)",
					o.Condition.Reason, o.Condition.Message, o.RecheckIn, tc.wantReason, tc.wantMsg, tc.wantRecheck)
			}
		})
	}
}

func TestMayDecide(t *testing.T) {
	t.Parallel()
	p := Params{Approvers: []string{"alice", "group:release"}}
	for _, tc := range []struct {
		user   string
		groups []string
		want   bool
	}{
		{"alice", nil, true},
		{"bob", nil, false},
		{"bob", []string{"dev", "release"}, true},
		{"group:release", nil, false},
		{"release", nil, false},
	} {
		if got := p.MayDecide(tc.user, tc.groups); got != tc.want {
			t.Errorf("MayDecide(%q, %q) = %v, want %v", tc.user, tc.groups, got, tc.want)
		}
	}
}
