package task

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/defaults"
	"github.com/slipway-ci/slipway/pkg/failure"
)

// validate applies defaults (defaults.Apply) to copies of the TaskRun and its spec, and validates both
// with Tekton's own Validate plus the checks that need both at once.
// It sets rn.defaulted and defaults rn.spec in place.
//
// Validation runs only while the attempt has no pod: the spec cannot
// change once the pod exists (D7), and Tekton's Validate compiles regular
// expressions on every call, which made it the controller's largest CPU
// cost when thousands of TaskRuns are reconciled again on pod events.
func validate(ctx context.Context, rn *run) error {
	ctx = rn.cfg.Tekton(ctx)
	d := rn.tr.DeepCopy()
	defaults.Apply(ctx, rn.cfg, d)
	rn.defaulted = d
	defaults.Apply(ctx, rn.cfg, rn.spec)
	if rn.tr.Status.PodName != "" || rn.cached != nil {
		return nil // validated by the pass that made the pod
	}
	// On a copy: Tekton's TaskRun validation writes object param defaults
	// into the given values' maps, which would override the run's keys.
	if err := d.DeepCopy().Validate(ctx); err != nil {
		return fmt.Errorf("invalid TaskRun: %w", err)
	}
	// An embedded taskSpec was validated with the TaskRun just above.
	if rn.tr.Spec.TaskSpec == nil || rn.tr.Status.TaskSpec != nil {
		if err := rn.spec.Validate(ctx); err != nil {
			return fmt.Errorf("invalid TaskSpec: %w", err)
		}
	}
	if err := checkParams(rn.spec.Params, d.Spec.Params); err != nil {
		return err
	}
	if rn.cfg.ParamEnum() {
		if err := checkEnums(rn.spec.Params, d.Spec.Params); err != nil {
			return failure.User(v1.TaskRunReasonInvalidParamValue.String(), err)
		}
	}
	return checkWorkspaces(rn.spec.Workspaces, d.Spec.Workspaces)
}

// checkParams checks that every param without a default is given, that no
// undeclared param is given, and that given values have the declared type.
func checkParams(decl v1.ParamSpecs, given v1.Params) error {
	declared := make(map[string]v1.ParamSpec, len(decl))
	for _, p := range decl {
		declared[p.Name] = p
	}
	var problems []string
	provided := map[string]bool{}
	for _, p := range given {
		provided[p.Name] = true
		d, ok := declared[p.Name]
		if !ok {
			continue // Tekton ignores extra params (a PipelineRun may pass them on).
		}
		if d.Type != "" && p.Value.Type != "" && string(d.Type) != string(p.Value.Type) {
			problems = append(problems, fmt.Sprintf("param %q is declared as %s but given as %s", p.Name, d.Type, p.Value.Type))
		}
	}
	var missing []string
	for _, p := range decl {
		if p.Default == nil && !provided[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		problems = append(problems, fmt.Sprintf("missing value for params %s (declared without a default)", strings.Join(missing, ", ")))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid params: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkEnums checks that every given string value is in its param's enum
// (enable-param-enum), as Tekton's reconciler does; defaults were checked
// at admission.
func checkEnums(decl v1.ParamSpecs, given v1.Params) error {
	enums := map[string][]string{}
	for _, p := range decl {
		if len(p.Enum) > 0 {
			enums[p.Name] = p.Enum
		}
	}
	for _, p := range given {
		e, ok := enums[p.Name]
		if !ok || p.Value.Type != v1.ParamTypeString || p.Value.StringVal == "" {
			continue
		}
		if !slices.Contains(e, p.Value.StringVal) {
			return fmt.Errorf("param `%s` value: %s is not in the enum list", p.Name, p.Value.StringVal)
		}
	}
	return nil
}

// checkWorkspaces checks that every non-optional declared workspace is bound.
func checkWorkspaces(decl []v1.WorkspaceDeclaration, bound []v1.WorkspaceBinding) error {
	have := make(map[string]bool, len(bound))
	for _, b := range bound {
		have[b.Name] = true
	}
	var missing []string
	for _, w := range decl {
		if !w.Optional && !have[w.Name] {
			missing = append(missing, w.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("invalid workspaces: workspaces %s are declared but not bound by the TaskRun", strings.Join(missing, ", "))
	}
	return nil
}
