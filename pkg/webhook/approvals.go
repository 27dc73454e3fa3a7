package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/slipway-ci/slipway/pkg/approval"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// PathApprovals is where Approvals' decisions are recorded.
const PathApprovals = "/approvals"

// Approvals records a decision on an Approval CustomRun with the identity
// of who asked for it (docs/design.md D24): an approver who sets
// approval.AnnotationApprove or AnnotationReject has the request replaced by
// an entry in AnnotationDecisions; anyone else is refused, and nobody but
// this webhook writes AnnotationDecisions. CustomRuns of other kinds pass.
type Approvals struct {
	now func() time.Time
}

// Handle implements admission.HandlerFunc.
func (a Approvals) Handle(_ context.Context, req admission.Request) admission.Response {
	cr, old := &v1beta1.CustomRun{}, &v1beta1.CustomRun{}
	if err := json.Unmarshal(req.Object.Raw, cr); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the CustomRun: %w", err))
	}
	if !resources.IsApprovalRun(cr) {
		return admission.Allowed("")
	}
	if req.Operation == admissionv1.Update {
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("decoding the old CustomRun: %w", err))
		}
	}
	if cr.Annotations[approval.AnnotationDecisions] != old.Annotations[approval.AnnotationDecisions] {
		return forbid("annotation %s of Approval %q is written by Slipway only: approve or reject with annotation %s or %s",
			approval.AnnotationDecisions, cr.Name, approval.AnnotationApprove, approval.AnnotationReject)
	}
	msg, approve := cr.Annotations[approval.AnnotationApprove]
	rmsg, reject := cr.Annotations[approval.AnnotationReject]
	if !approve && !reject {
		return admission.Allowed("")
	}
	if approve && reject {
		return deny("Approval %q: set %s or %s, not both", cr.Name, approval.AnnotationApprove, approval.AnnotationReject)
	}
	if reject {
		msg = rmsg
	}
	return a.decide(req, cr, old, approve, msg)
}

// decide checks the requester and records the decision.
func (a Approvals) decide(req admission.Request, cr, old *v1beta1.CustomRun, approve bool, msg string) admission.Response {
	user := req.UserInfo.Username
	if req.Operation == admissionv1.Create {
		return deny("Approval %q: a decision cannot come with the CustomRun's creation", cr.Name)
	}
	if old.IsDone() {
		return deny("Approval %q is already decided: %s", cr.Name, old.Status.GetCondition("Succeeded").GetMessage())
	}
	p, err := approval.ParseParams(old)
	if err != nil {
		return deny("Approval %q: %v", cr.Name, err)
	}
	if !p.MayDecide(user, req.UserInfo.Groups) {
		return forbid("user %q is not an approver of Approval %q (approvers: %v)", user, cr.Name, p.Approvers)
	}
	ds, err := approval.Decisions(old)
	if err != nil {
		return deny("Approval %q: %v", cr.Name, err)
	}
	now := time.Now
	if a.now != nil {
		now = a.now
	}
	// The object is patched as it came, untyped: only the annotations change.
	var obj map[string]any
	if err := json.Unmarshal(req.Object.Raw, &obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	delete(ann, approval.AnnotationApprove)
	delete(ann, approval.AnnotationReject)
	ann[approval.AnnotationDecisions] = approval.Record(ds, approval.Decision{User: user, Approved: approve, Message: msg, Time: now().UTC()})
	out, err := json.Marshal(obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, out)
}

// forbid refuses a request for who makes it (403, as kubectl shows
// "Forbidden"), not for what it holds.
func forbid(format string, args ...any) admission.Response {
	r := deny(format, args...)
	r.Result.Code, r.Result.Reason = http.StatusForbidden, metav1.StatusReasonForbidden
	return r
}
