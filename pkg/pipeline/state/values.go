package state

import (
	"strconv"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/celwhen"
	"github.com/slipway-ci/slipway/pkg/substitution"
)

// Values of $(tasks.<t>.status) and $(tasks.status), as Tekton spells them.
const (
	StatusSucceeded = "Succeeded"
	StatusFailed    = "Failed"
	StatusCompleted = "Completed"
	StatusNone      = "None"
)

// RunValues returns the values every pipeline task sees: the pipeline's
// params (the run's values over the declared defaults) and the context.
func RunValues(pr *v1.PipelineRun, spec *v1.PipelineSpec, pipelineName string) substitution.Values {
	v := substitution.NewValues()
	for _, p := range spec.Params {
		if p.Default != nil {
			v.SetParam("params."+p.Name, *p.Default)
		}
	}
	for _, p := range pr.Spec.Params {
		v.SetParam("params."+p.Name, p.Value)
	}
	v.Strings["context.pipelineRun.name"] = pr.Name
	v.Strings["context.pipelineRun.namespace"] = pr.Namespace
	v.Strings["context.pipelineRun.uid"] = string(pr.UID)
	v.Strings["context.pipeline.name"] = pipelineName
	// $(tasks.<t>.matrix.length) is known from the spec, as in Tekton.
	for i := range spec.Tasks {
		if m := spec.Tasks[i].Matrix; m != nil {
			v.Strings["tasks."+spec.Tasks[i].Name+".matrix.length"] = itoa(m.CountCombinations())
		}
	}
	return v
}

// addResults stores a task's results as tasks.<t>.results.<r> (and, for a
// finally task, also finally.<t>.results.<r> for pipeline results). A
// matrixed task's string results become arrays, one element per
// combination that produced it, in combination order.
func addResults(v substitution.Values, ts *taskState) {
	prefixes := []string{"tasks." + ts.name + ".results."}
	if ts.finally {
		prefixes = append(prefixes, "finally."+ts.name+".results.")
	}
	for _, prefix := range prefixes {
		if !ts.matrixed {
			if len(ts.runs) == 1 && ts.runs[0] != nil {
				for _, r := range ts.runs[0].Status.Results {
					v.SetParam(prefix+r.Name, r.Value)
				}
			}
			continue
		}
		for _, tr := range ts.runs {
			if tr == nil {
				continue
			}
			for _, r := range tr.Status.Results {
				if r.Value.Type == v1.ParamTypeString || r.Value.Type == "" {
					v.Arrays[prefix+r.Name] = append(v.Arrays[prefix+r.Name], r.Value.StringVal)
				}
			}
		}
	}
	if ts.matrixed {
		// $(tasks.<t>.matrix.<r>.length): how many combinations produced r.
		for key, a := range v.Arrays {
			if name, ok := strings.CutPrefix(key, "tasks."+ts.name+".results."); ok {
				v.Strings["tasks."+ts.name+".matrix."+name+".length"] = itoa(len(a))
			}
		}
	}
}

// addStatuses stores $(tasks.<t>.status) for every ordinary task and the
// aggregate $(tasks.status); finally tasks read them.
func addStatuses(v substitution.Values, tasks []*taskState) {
	agg := StatusSucceeded
	for _, ts := range tasks {
		s := StatusNone
		switch ts.phase {
		case phaseSucceeded:
			s = StatusSucceeded
		case phaseFailed, phaseCancelled:
			s = StatusFailed
		}
		v.Strings["tasks."+ts.name+".status"] = s
		v.Strings["tasks."+ts.name+".reason"] = ts.reason
		switch {
		case ts.phase == phaseFailed && !ts.ignored, ts.phase == phaseCancelled:
			agg = StatusFailed
		case ts.phase == phaseSkipped && agg == StatusSucceeded:
			agg = StatusCompleted
		case !ts.phase.terminal():
			if agg != StatusFailed {
				agg = StatusNone
			}
		}
	}
	v.Strings["tasks.status"] = agg
}

// resolveParams substitutes v into params. A string param that is exactly a
// whole-array or whole-object reference becomes that array or object.
func resolveParams(ps v1.Params, v substitution.Values) v1.Params {
	if ps == nil {
		return nil
	}
	out := make(v1.Params, len(ps))
	for i, p := range ps {
		out[i] = v1.Param{Name: p.Name, Value: resolveValue(p.Value, v)}
	}
	return out
}

func resolveValue(pv v1.ParamValue, v substitution.Values) v1.ParamValue {
	switch pv.Type {
	case v1.ParamTypeArray:
		return v1.ParamValue{Type: v1.ParamTypeArray, ArrayVal: v.Expand(pv.ArrayVal)}
	case v1.ParamTypeObject:
		m := make(map[string]string, len(pv.ObjectVal))
		for k, s := range pv.ObjectVal {
			m[k] = v.String(s)
		}
		return v1.ParamValue{Type: v1.ParamTypeObject, ObjectVal: m}
	}
	if a, ok := v.Array(pv.StringVal); ok {
		return v1.ParamValue{Type: v1.ParamTypeArray, ArrayVal: append([]string{}, a...)}
	}
	if m, ok := v.Object(pv.StringVal); ok {
		c := make(map[string]string, len(m))
		for k, s := range m {
			c[k] = s
		}
		return v1.ParamValue{Type: v1.ParamTypeObject, ObjectVal: c}
	}
	return v1.ParamValue{Type: v1.ParamTypeString, StringVal: v.String(pv.StringVal)}
}

// resolveWhen substitutes v into when expressions. Values expand whole-array
// references.
func resolveWhen(wes v1.WhenExpressions, v substitution.Values) v1.WhenExpressions {
	if wes == nil {
		return nil
	}
	out := make(v1.WhenExpressions, len(wes))
	for i, we := range wes {
		out[i] = v1.WhenExpression{Input: v.String(we.Input), Operator: we.Operator, Values: v.Expand(we.Values), CEL: v.String(we.CEL)}
	}
	return out
}

// whenAllows reports whether every expression holds. A CEL expression
// that does not evaluate to a boolean is an error (CELEvaluationFailed).
func whenAllows(wes v1.WhenExpressions) (bool, error) {
	for _, we := range wes {
		if we.CEL != "" {
			ok, err := celwhen.Eval(we.CEL)
			if err != nil || !ok {
				return false, err
			}
			continue
		}
		in := false
		for _, val := range we.Values {
			if val == we.Input {
				in = true
				break
			}
		}
		if (we.Operator == "notin") == in {
			return false, nil
		}
	}
	return true, nil
}

// hasResult reports whether v holds the result a reference names.
func hasResult(v substitution.Values, ref *v1.ResultRef) bool {
	key := "tasks." + ref.PipelineTask + ".results." + ref.Result
	if _, ok := v.Strings[key]; ok {
		return true
	}
	if a, ok := v.Arrays[key]; ok {
		return ref.ResultsIndex == nil || *ref.ResultsIndex < len(a)
	}
	if m, ok := v.Objects[key]; ok {
		if ref.Property == "" {
			return true
		}
		_, ok := m[ref.Property]
		return ok
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
