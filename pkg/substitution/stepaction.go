package substitution

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
)

// InlineStepAction returns st with the StepAction's content in place of
// its ref, as Tekton's controller does before it builds the pod: image,
// command, args, script, env, workingDir, volumeMounts, results and (when
// the step sets none) securityContext come from sa, and the StepAction's
// $(params.<p>) take the step's params over sa's defaults. A param value
// may itself hold task-level references ($(params.x) of the Task), which
// the task's own substitution resolves afterwards.
func InlineStepAction(st v1.Step, name string, sa *v1beta1.StepActionSpec) (v1.Step, error) {
	v, err := stepActionValues(st.Params, name, sa.Params)
	if err != nil {
		return st, err
	}
	out := *st.DeepCopy()
	out.Ref, out.Params = nil, nil
	out.Image = sa.Image
	out.Command = append([]string(nil), sa.Command...)
	out.Args = append([]string(nil), sa.Args...)
	out.Script = sa.Script
	out.Env = append(out.Env[:0:0], sa.Env...)
	out.WorkingDir = sa.WorkingDir
	out.VolumeMounts = append(out.VolumeMounts[:0:0], sa.VolumeMounts...)
	out.Results = append([]v1.StepResult(nil), sa.Results...)
	if out.SecurityContext == nil && sa.SecurityContext != nil {
		out.SecurityContext = sa.SecurityContext.DeepCopy()
	}
	walkStep(&out, v.String, v.Expand)
	return out, nil
}

// stepActionValues are the StepAction's params: defaults, then the step's.
func stepActionValues(given v1.Params, name string, decl v1.ParamSpecs) (Values, error) {
	v := NewValues()
	known := map[string]bool{}
	for _, p := range decl {
		known[p.Name] = true
		if p.Default != nil {
			v.SetParam("params."+p.Name, *p.Default)
		}
	}
	var unknown []string
	for _, p := range given {
		if !known[p.Name] {
			unknown = append(unknown, p.Name)
			continue
		}
		v.SetParam("params."+p.Name, p.Value)
	}
	var missing []string
	for _, p := range decl {
		key := "params." + p.Name
		_, s := v.Strings[key]
		_, a := v.Arrays[key]
		_, o := v.Objects[key]
		if !s && !a && !o {
			missing = append(missing, p.Name)
		}
	}
	switch {
	case len(missing) > 0:
		return v, fmt.Errorf("StepAction %q: params %s have no value and no default", name, strings.Join(missing, ", "))
	case len(unknown) > 0:
		sort.Strings(unknown)
		return v, fmt.Errorf("StepAction %q declares no params %s", name, strings.Join(unknown, ", "))
	}
	return v, nil
}

// ApplyStepResultPaths returns a copy of spec with each step's
// $(step.results.<r>.path) replaced by its file under the step's
// directory, /tekton/steps/step-<name>/results/<r> (Tekton's path).
func ApplyStepResultPaths(spec *v1.TaskSpec) *v1.TaskSpec {
	out := spec.DeepCopy()
	for i := range out.Steps {
		st := &out.Steps[i]
		if len(st.Results) == 0 {
			continue
		}
		v := NewValues()
		for _, r := range st.Results {
			v.Strings["step.results."+r.Name+".path"] = StepDir(i, st) + "/results/" + r.Name
		}
		walkStep(st, v.String, v.Expand)
	}
	return out
}
