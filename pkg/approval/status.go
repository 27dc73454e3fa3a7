package approval

import (
	"fmt"
	"strings"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
)

// Reasons of an Approval's Succeeded condition (Tekton's own for
// cancellation and timeouts).
const (
	ReasonWaiting       = "ApprovalPending"
	ReasonApproved      = "Approved"
	ReasonRejected      = "Rejected"
	ReasonInvalidParams = "InvalidParams"
	ReasonCancelled     = string(v1beta1.CustomRunReasonCancelled)
	ReasonTimedOut      = string(v1beta1.CustomRunReasonTimedOut)
)

// ResultApprovers is the result naming who approved, comma-separated.
const ResultApprovers = "approvers"

// Outcome is the status an Approval's CustomRun should have now.
type Outcome struct {
	Condition apis.Condition
	// Approvers approved it (when Condition is true).
	Approvers []string
	// RecheckIn is when its timeout ends, if it has one and waits.
	RecheckIn time.Duration
}

// Done reports whether the outcome is final.
func (o Outcome) Done() bool { return o.Condition.Status != corev1.ConditionUnknown }

// Evaluate decides an Approval's status from its CustomRun at now, given
// when it started. It is pure.
func Evaluate(cr *v1beta1.CustomRun, started, now time.Time) Outcome {
	cond := func(status corev1.ConditionStatus, reason, format string, args ...any) Outcome {
		return Outcome{Condition: apis.Condition{Type: apis.ConditionSucceeded, Status: status, Reason: reason,
			Message: fmt.Sprintf(format, args...)}}
	}
	if cr.IsCancelled() {
		return cond(corev1.ConditionFalse, ReasonCancelled, "Approval %q was cancelled%s", cr.Name, suffix(string(cr.Spec.StatusMessage)))
	}
	p, err := ParseParams(cr)
	if err != nil {
		return cond(corev1.ConditionFalse, ReasonInvalidParams, "Approval %q: %v", cr.Name, err)
	}
	ds, err := Decisions(cr)
	if err != nil {
		return cond(corev1.ConditionFalse, ReasonInvalidParams, "Approval %q: %v", cr.Name, err)
	}
	var approvers []string
	for _, d := range ds {
		if !d.Approved {
			return cond(corev1.ConditionFalse, ReasonRejected, "rejected by %s%s", d.User, suffix(d.Message))
		}
		approvers = append(approvers, d.User)
	}
	if len(approvers) >= p.Required {
		o := cond(corev1.ConditionTrue, ReasonApproved, "approved by %s", strings.Join(approvers, ", "))
		o.Approvers = approvers
		return o
	}
	o := waiting(cr, p, len(approvers))
	if t := cr.GetTimeout(); cr.Spec.Timeout != nil && t > 0 {
		o.RecheckIn = started.Add(t).Sub(now)
		if o.RecheckIn <= 0 {
			return cond(corev1.ConditionFalse, ReasonTimedOut, "Approval %q got %d of %d approvals within %s", cr.Name, len(approvers), p.Required, t)
		}
	}
	return o
}

func waiting(cr *v1beta1.CustomRun, p Params, got int) Outcome {
	msg := fmt.Sprintf("waiting for approval (%d of %d) from %s%s: approve with `slipway approve %s` or `kubectl annotate customrun %s %s=`",
		got, p.Required, strings.Join(p.Approvers, ", "), suffix(p.Reason), cr.Name, cr.Name, AnnotationApprove)
	return Outcome{Condition: apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: ReasonWaiting, Message: msg}}
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return " (" + msg + ")"
}
