package task

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slipway-ci/slipway/pkg/entrypoint"
	"github.com/slipway-ci/slipway/pkg/failure"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
)

// Reasons Slipway adds to Tekton's TaskRunReason vocabulary.
const (
	// ReasonPending: the pod exists but its containers have not started.
	ReasonPending = "Pending"
	// ReasonCouldntGetTask: the referenced Task cannot be read (Tekton's word).
	ReasonCouldntGetTask = "CouldntGetTask"
	// ReasonInvalidResults: a step wrote a result that does not match the
	// type the Task declares.
	ReasonInvalidResults = "InvalidTaskResultType"
	// ReasonPodDeleted: the attempt's pod was deleted before it finished,
	// by someone other than Slipway.
	ReasonPodDeleted = "TaskRunPodDeleted"
	// ReasonPodLost: the attempt's pod went away with its node.
	ReasonPodLost = "TaskRunPodLost"
	// ReasonUnschedulable: no node took the pod within the grace that
	// slipway-config's pod-unschedulable-timeout gives.
	ReasonUnschedulable = "TaskRunUnschedulable"
	// ReasonResultsUnreadable: results a step left at the end of its log
	// could not be read back (docs/design.md D22).
	ReasonResultsUnreadable = "TaskRunResultsUnreadable"
)

// LogResults are the results a step left at the end of its container's
// log (entrypoint.ResultsLog), as the reconciler read them; Err says why
// they could not be read.
type LogResults struct {
	Results, StepResults map[string]string
	Err                  error
}

// PodStatus is what a Pod says about a TaskRun: everything Status derives.
type PodStatus struct {
	// Condition is the TaskRun's Succeeded condition.
	Condition apis.Condition
	// Done is true once the Condition is True or False.
	Done bool
	// CompletionTime is set when Done.
	CompletionTime *metav1.Time
	Steps          []v1.StepState
	Sidecars       []v1.SidecarState
	Results        []v1.TaskRunResult
}

// Failed reports whether the pod ended in failure.
func (s PodStatus) Failed() bool { return s.Condition.Status == corev1.ConditionFalse }

// Status derives a TaskRun's status from its pod and the (substituted) spec
// the pod was built from. Steps map to pod.Spec.Containers in order, sidecars
// to the native-sidecar init containers in order (docs/design.md D2). It is
// pure: now is used only for a completion time the pod does not give, and
// logs holds, by container name, the results steps left in their logs.
func Status(pod *corev1.Pod, spec *v1.TaskSpec, now time.Time, logs map[string]LogResults) PodStatus {
	var s PodStatus
	var terms []*entrypoint.Termination
	s.Steps, terms = stepStates(pod, spec)
	s.Sidecars = sidecarStates(pod, spec)
	logErr := takeLogResults(s.Steps, terms, logs)
	results, resErr := mergeResults(terms, spec)
	s.Results = results
	for i, t := range terms {
		if t != nil && len(t.StepResults) > 0 {
			s.Steps[i].Results = stepResults(t.StepResults, spec.Steps[i].Results)
		}
	}
	s.Condition = condition(pod, s.Steps, terms)
	if err := errors.Join(logErr, resErr); err != nil && s.Condition.Status != corev1.ConditionFalse {
		reason := ReasonInvalidResults
		if u, ok := failure.AsUser(err); ok {
			reason = u.Reason
		}
		s.Condition = failed(reason, err.Error())
	}
	s.Done = s.Condition.Status != corev1.ConditionUnknown
	if s.Done {
		s.CompletionTime = completionTime(pod, now)
	}
	return s
}

func failed(reason, msg string) apis.Condition {
	return apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: reason, Message: msg}
}

func ongoing(reason, msg string) apis.Condition {
	return apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: reason, Message: msg}
}

func statusByName(list []corev1.ContainerStatus) map[string]*corev1.ContainerStatus {
	m := make(map[string]*corev1.ContainerStatus, len(list))
	for i := range list {
		m[list[i].Name] = &list[i]
	}
	return m
}

// stepStates returns one state per step and, for terminated steps whose shim
// wrote a readable termination message, the parsed message (nil otherwise).
func stepStates(pod *corev1.Pod, spec *v1.TaskSpec) ([]v1.StepState, []*entrypoint.Termination) {
	byName := statusByName(pod.Status.ContainerStatuses)
	states := make([]v1.StepState, 0, len(spec.Steps))
	terms := make([]*entrypoint.Termination, 0, len(spec.Steps))
	for i := range spec.Steps {
		st := v1.StepState{Name: spec.Steps[i].Name}
		var term *entrypoint.Termination
		if i < len(pod.Spec.Containers) {
			c := pod.Spec.Containers[i]
			st.Container = c.Name
			if cs, ok := byName[c.Name]; ok {
				st.ImageID = cs.ImageID
				st.ContainerState = *cs.State.DeepCopy()
				term = applyTermination(&st)
			}
		}
		states = append(states, st)
		terms = append(terms, term)
	}
	return states, terms
}

// applyTermination overlays the shim's termination message on a terminated
// step: the real process exit code, start time and the shim's reason.
func applyTermination(st *v1.StepState) *entrypoint.Termination {
	t := st.Terminated
	if t == nil {
		return nil
	}
	st.TerminationReason = t.Reason
	if t.Message == "" {
		return nil
	}
	term, err := entrypoint.ParseTermination(t.Message)
	if err != nil {
		// Not written by the shim (e.g. the kubelet killed the container
		// first): keep the kubelet's own account.
		return nil
	}
	t.ExitCode = int32(term.ExitCode)
	if !term.StartedAt.IsZero() {
		t.StartedAt = metav1.NewTime(term.StartedAt)
	}
	if !term.FinishedAt.IsZero() {
		t.FinishedAt = metav1.NewTime(term.FinishedAt)
	}
	t.Message = term.Message
	st.TerminationReason = term.Reason
	return &term
}

// takeLogResults puts the results read from the steps' logs into their
// termination messages. Once every step is done, a step whose results
// are in its log and were not read fails the TaskRun.
func takeLogResults(steps []v1.StepState, terms []*entrypoint.Termination, logs map[string]LogResults) error {
	var errs []error
	for i, t := range terms {
		if t == nil || t.ResultsLog == nil {
			continue
		}
		lr, ok := logs[steps[i].Container]
		switch {
		case !ok:
			continue // read once every step is done
		case lr.Err != nil:
			errs = append(errs, fmt.Errorf("step %q: reading its results from its log: %w", steps[i].Name, lr.Err))
		default:
			t.Results, t.StepResults = lr.Results, lr.StepResults
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return failure.User(ReasonResultsUnreadable, errors.Join(errs...))
}

// NeedsLogResults returns the containers of the pod's steps whose results
// are at the end of their logs, once every step has ended (reading a log
// is not free: it is read once, when the TaskRun's results are final).
func NeedsLogResults(pod *corev1.Pod) map[string]entrypoint.ResultsLog {
	var out map[string]entrypoint.ResultsLog
	for _, cs := range pod.Status.ContainerStatuses {
		t := cs.State.Terminated
		if t == nil {
			return nil
		}
		if !strings.Contains(t.Message, `"resultsLog"`) {
			continue
		}
		if term, err := entrypoint.ParseTermination(t.Message); err == nil && term.ResultsLog != nil {
			if out == nil {
				out = map[string]entrypoint.ResultsLog{}
			}
			out[cs.Name] = *term.ResultsLog
		}
	}
	return out
}

func sidecarStates(pod *corev1.Pod, spec *v1.TaskSpec) []v1.SidecarState {
	if len(spec.Sidecars) == 0 {
		return nil
	}
	var containers []corev1.Container
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			containers = append(containers, c)
		}
	}
	byName := statusByName(pod.Status.InitContainerStatuses)
	states := make([]v1.SidecarState, 0, len(spec.Sidecars))
	for i, sc := range spec.Sidecars {
		st := v1.SidecarState{Name: sc.Name}
		if i < len(containers) {
			st.Container = containers[i].Name
			if cs, ok := byName[st.Container]; ok {
				st.ImageID = cs.ImageID
				st.ContainerState = *cs.State.DeepCopy()
			}
		}
		states = append(states, st)
	}
	return states
}

// stepResults types a step's own results as the step declares them.
func stepResults(raw map[string]string, declared []v1.StepResult) []v1.TaskRunStepResult {
	var out []v1.TaskRunStepResult
	for _, d := range declared {
		v, ok := raw[d.Name]
		if !ok {
			continue
		}
		// A value of the wrong type stays a string: the step's own
		// results are reported, not enforced (as in Tekton).
		r, err := typedResult(v1.TaskResult{Name: d.Name, Type: d.Type}, v)
		if err != nil {
			r = v1.TaskRunResult{Name: d.Name, Type: v1.ResultsTypeString, Value: *v1.NewStructuredValues(v)}
		}
		out = append(out, r)
	}
	return out
}

// mergeResults merges the steps' results in step order (a later step wins)
// and types them as the Task declares. A task result declared with a value
// of $(steps.<step>.results.<r>) takes that step's result. Undeclared names
// are not collected by the shim, so none can appear here.
func mergeResults(terms []*entrypoint.Termination, spec *v1.TaskSpec) ([]v1.TaskRunResult, error) {
	raw := map[string]string{}
	fromStep := map[string]map[string]string{}
	for i, t := range terms {
		if t == nil {
			continue
		}
		for k, v := range t.Results {
			raw[k] = v
		}
		if i < len(spec.Steps) && t.StepResults != nil {
			fromStep[spec.Steps[i].Name] = t.StepResults
		}
	}
	declared := spec.Results
	for _, d := range declared {
		if d.Value == nil {
			continue
		}
		if step, res, ok := entrypoint.ParseStepRef(d.Value.StringVal); ok {
			if v, ok := fromStep[step][res]; ok {
				raw[d.Name] = v
			}
		}
	}
	if err := checkResultsSize(raw); err != nil {
		return nil, err
	}
	var out []v1.TaskRunResult
	var errs []string
	for _, d := range declared {
		v, ok := raw[d.Name]
		if !ok {
			continue
		}
		r, err := typedResult(d, v)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// checkResultsSize bounds a TaskRun's results together, so that its
// status stays well under the API server's object limit (D22).
func checkResultsSize(raw map[string]string) error {
	n := 0
	for k, v := range raw {
		n += len(k) + len(v)
	}
	if n <= entrypoint.MaxResultsBytes {
		return nil
	}
	return failure.Userf(v1.TaskRunReasonResultLargerThanAllowedLimit.String(),
		"the TaskRun's results take %d bytes together, over the limit of %d bytes", n, entrypoint.MaxResultsBytes)
}

func typedResult(d v1.TaskResult, v string) (v1.TaskRunResult, error) {
	r := v1.TaskRunResult{Name: d.Name, Type: d.Type}
	switch d.Type {
	case "", v1.ResultsTypeString:
		r.Type = v1.ResultsTypeString
		r.Value = *v1.NewStructuredValues(v)
	case v1.ResultsTypeArray:
		var a []string
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return r, fmt.Errorf("result %q is declared as an array but its value %q is not a JSON array of strings", d.Name, clip(v))
		}
		r.Value = v1.ResultValue{Type: v1.ParamTypeArray, ArrayVal: a}
	case v1.ResultsTypeObject:
		var o map[string]string
		if err := json.Unmarshal([]byte(v), &o); err != nil {
			return r, fmt.Errorf("result %q is declared as an object but its value %q is not a JSON object of strings", d.Name, clip(v))
		}
		r.Value = *v1.NewObject(o)
	default:
		return r, fmt.Errorf("result %q has unknown type %q", d.Name, d.Type)
	}
	return r, nil
}

func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:80] + "…"
}

func completionTime(pod *corev1.Pod, now time.Time) *metav1.Time {
	var last time.Time
	for _, cs := range pod.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil && t.FinishedAt.After(last) {
			last = t.FinishedAt.Time
		}
	}
	if last.IsZero() {
		last = now
	}
	return &metav1.Time{Time: last}
}
