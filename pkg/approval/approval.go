// Package approval is Slipway's manual approval gate, a custom task
// (apiVersion slipway.dev/v1alpha1, kind Approval, in a pipeline task's
// taskRef) that the PipelineRun controller runs as a CustomRun
// (docs/design.md D24). This package is pure: the gate's params, the
// decisions recorded on the CustomRun, who may decide, and the status they
// lead to. The admission webhook records decisions with the requester's
// identity (pkg/webhook); the controller in approval/controller writes the
// status.
package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
)

// Annotations on an Approval's CustomRun. A user asks to approve or reject
// by setting AnnotationApprove or AnnotationReject (the value is an
// optional message); the webhook checks who asks, moves the decision into
// AnnotationDecisions and removes the request. Only the webhook writes
// AnnotationDecisions.
const (
	AnnotationApprove   = "slipway.dev/approve"
	AnnotationReject    = "slipway.dev/reject"
	AnnotationDecisions = "slipway.dev/approvals"
)

// Params of an Approval.
const (
	ParamApprovers = "approvers"         // array: user names, or group:<name>
	ParamRequired  = "approvalsRequired" // string: how many approvals (default 1)
	ParamReason    = "description"       // string: why the gate is there, shown while it waits
)

// GroupPrefix marks a group among the approvers.
const GroupPrefix = "group:"

// Params are an Approval's settings.
type Params struct {
	Approvers []string
	Required  int
	Reason    string
}

// ParseParams reads cr's params; an error says what is wrong in words.
func ParseParams(cr *v1beta1.CustomRun) (Params, error) {
	p := Params{Required: 1}
	var errs []string
	for _, param := range cr.Spec.Params {
		switch param.Name {
		case ParamApprovers:
			p.Approvers = param.Value.ArrayVal
			if param.Value.Type == v1beta1.ParamTypeString && param.Value.StringVal != "" {
				p.Approvers = strings.Split(param.Value.StringVal, ",")
			}
		case ParamRequired:
			n, err := strconv.Atoi(strings.TrimSpace(param.Value.StringVal))
			if err != nil || n < 1 {
				errs = append(errs, fmt.Sprintf("param %s must be a whole number of at least 1, not %q", ParamRequired, param.Value.StringVal))
			}
			p.Required = n
		case ParamReason:
			p.Reason = param.Value.StringVal
		default:
			errs = append(errs, fmt.Sprintf("unknown param %q (an Approval takes %s, %s and %s)", param.Name, ParamApprovers, ParamRequired, ParamReason))
		}
	}
	for i := range p.Approvers {
		p.Approvers[i] = strings.TrimSpace(p.Approvers[i])
	}
	p.Approvers = slices.DeleteFunc(p.Approvers, func(s string) bool { return s == "" || s == GroupPrefix })
	if len(p.Approvers) == 0 {
		errs = append(errs, fmt.Sprintf("param %s must name at least one user or %s<name>", ParamApprovers, GroupPrefix))
	}
	if len(errs) > 0 {
		return p, errors.New(strings.Join(errs, "; "))
	}
	return p, nil
}

// MayDecide reports whether the user (with its groups) is an approver.
func (p Params) MayDecide(user string, groups []string) bool {
	for _, a := range p.Approvers {
		g, isGroup := strings.CutPrefix(a, GroupPrefix)
		if isGroup && slices.Contains(groups, g) || !isGroup && a == user {
			return true
		}
	}
	return false
}

// Decision is one approver's answer.
type Decision struct {
	User     string    `json:"user"`
	Approved bool      `json:"approved"`
	Message  string    `json:"message,omitempty"`
	Time     time.Time `json:"time"`
}

// Decisions reads the decisions recorded on cr.
func Decisions(cr *v1beta1.CustomRun) ([]Decision, error) {
	v, ok := cr.Annotations[AnnotationDecisions]
	if !ok {
		return nil, nil
	}
	var ds []Decision
	if err := json.Unmarshal([]byte(v), &ds); err != nil {
		return nil, fmt.Errorf("annotation %s: %w", AnnotationDecisions, err)
	}
	return ds, nil
}

// Record adds d to the decisions (a user's later decision replaces its
// earlier one) and returns the annotation's new value.
func Record(ds []Decision, d Decision) string {
	ds = slices.DeleteFunc(slices.Clone(ds), func(x Decision) bool { return x.User == d.User })
	b, _ := json.Marshal(append(ds, d))
	return string(b)
}
