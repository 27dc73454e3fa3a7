package webhook

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/slipway-ci/slipway/pkg/approval"
)

func approvalRun(annotations map[string]string) *v1beta1.CustomRun {
	cr := &v1beta1.CustomRun{ObjectMeta: metav1.ObjectMeta{Name: "gate", Namespace: "ns", Annotations: annotations}}
	cr.Spec.CustomRef = &v1beta1.TaskRef{APIVersion: "slipway.dev/v1alpha1", Kind: "Approval"}
	cr.Spec.Params = v1beta1.Params{{Name: approval.ParamApprovers, Value: *v1beta1.NewStructuredValues("alice", "group:release")}}
	return cr
}

func raw(t *testing.T, obj any) runtime.RawExtension {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return runtime.RawExtension{Raw: b}
}

func TestApprovals(t *testing.T) {
	t.Parallel()
	forged := approval.Record(nil, approval.Decision{User: "alice", Approved: true})
	other := approvalRun(nil)
	other.Spec.CustomRef.Kind = "Wait"
	tests := []struct {
		name       string
		op         admissionv1.Operation
		user       string
		groups     []string
		old, new   *v1beta1.CustomRun
		wantAllow  bool
		wantDeny   string
		wantRecord string // in the patch
	}{
		{name: "approver approves", user: "alice", old: approvalRun(nil), new: approvalRun(map[string]string{approval.AnnotationApprove: "ship it"}),
			wantAllow: true, wantRecord: `\"user\":\"alice\",\"approved\":true,\"message\":\"ship it\"`},
		{name: "a group member rejects", user: "carol", groups: []string{"release"}, old: approvalRun(nil),
			new: approvalRun(map[string]string{approval.AnnotationReject: "no"}), wantAllow: true, wantRecord: `\"user\":\"carol\",\"approved\":false`},
		{name: "someone else is refused", user: "bob", old: approvalRun(nil), new: approvalRun(map[string]string{approval.AnnotationApprove: ""}),
			wantDeny: `user "bob" is not an approver of Approval "gate"`},
		{name: "forging decisions is refused", user: "alice", old: approvalRun(nil), new: approvalRun(map[string]string{approval.AnnotationDecisions: forged}),
			wantDeny: "written by Slipway only"},
		{name: "forging at creation is refused", op: admissionv1.Create, user: "alice", new: approvalRun(map[string]string{approval.AnnotationDecisions: forged}),
			wantDeny: "written by Slipway only"},
		{name: "other changes pass", user: "bob", old: approvalRun(nil), new: approvalRun(map[string]string{"team": "a"}), wantAllow: true},
		{name: "other custom tasks pass", user: "bob", old: other, new: other, wantAllow: true},
	}
	h := Approvals{now: func() time.Time { return time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC) }}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
				Operation: admissionv1.Update, Object: raw(t, tc.new),
				UserInfo: authenticationv1.UserInfo{Username: tc.user, Groups: tc.groups}}}
			if tc.op != "" {
				req.Operation = tc.op
			}
			if tc.old != nil {
				req.OldObject = raw(t, tc.old)
			}
			resp := h.Handle(t.Context(), req)
			if resp.Allowed != tc.wantAllow {
				t.Fatalf("allowed = %v (%v), want %v", resp.Allowed, resp.Result, tc.wantAllow)
			}
			if tc.wantDeny != "" && (!strings.Contains(resp.Result.Message, tc.wantDeny) || resp.Result.Code != 403) {
				t.Errorf("refusal %d %q, want 403 %q", resp.Result.Code, resp.Result.Message, tc.wantDeny)
			}
			patch, _ := json.Marshal(resp.Patches)
			if tc.wantRecord != "" && !strings.Contains(string(patch), tc.wantRecord) {
				t.Errorf("patch %s does not record %s", patch, tc.wantRecord)
			}
			if tc.wantRecord != "" && !strings.Contains(string(patch), `"remove"`) {
				t.Errorf("patch %s does not remove the request", patch)
			}
		})
	}
}
