package substitution

import (
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"sigs.k8s.io/yaml"
)

// FuzzValuesString: substitution never panics, leaves text without "$("
// alone, and what it cannot resolve it keeps.
func FuzzValuesString(f *testing.F) {
	for _, s := range []string{
		"$(params.a)", "echo $(params.b[*]) $(params.o.k) $(params.o[*])", "$($(params.a))", "$(", "$()", ")$(",
		`$(params["a.b"][0])`, "$(tasks.t.results['r'])", "$(inputs.params.a)", "$(params.b[99])", "$(params.a[",
		"plain text", "$(context.taskRun.name)-$(params.a)", "$(params.o.k.deeper)",
	} {
		f.Add(s, "a", "x")
	}
	f.Fuzz(func(t *testing.T, tmpl, key, val string) {
		v := NewValues()
		v.Strings["params."+key] = val
		v.Arrays["params.b"] = []string{val, key}
		v.Objects["params.o"] = map[string]string{"k": val}
		out := v.String(tmpl)
		if !strings.Contains(tmpl, "$(") && out != tmpl {
			t.Fatalf("String(%q) = %q: text without references changed", tmpl, out)
		}
		if strings.Contains(val, "$(") || strings.Contains(key, "$(") {
			return
		}
		for _, ref := range References(out) {
			if _, ok := v.lookup(ref); ok && !strings.Contains(ref, "$(") {
				name, _ := Normalize(ref)
				if _, known := v.Strings[name]; known {
					t.Fatalf("String(%q) = %q still holds the resolvable $(%s)", tmpl, out, ref)
				}
			}
		}
		_ = v.Expand([]string{tmpl, "$(params.b[*])", "$(params.b)"})
		_, _ = v.Object(tmpl)
	})
}

// FuzzApplyToTaskSpec: a decoded Task spec of any shape substitutes and
// reports its unresolved references without panicking.
func FuzzApplyToTaskSpec(f *testing.F) {
	f.Add([]byte(`{"params":[{"name":"a"}],"steps":[{"name":"s","image":"$(params.a)","script":"echo $(params.a) $(params.b[*])","args":["$(params.b[*])"],"env":[{"name":"X","value":"$(params.o.k)"}]}]}`))
	f.Add([]byte(`{"steps":[{"name":"s","image":"busybox","workingDir":"$(workspaces.w.path)"}],"workspaces":[{"name":"w"}],"sidecars":[{"name":"c","image":"$(params.a)"}],"volumes":[{"name":"v","configMap":{"name":"$(params.a)"}}]}`))
	f.Add([]byte(`{"stepTemplate":{"env":[{"name":"A","value":"$(params.a)"}]},"results":[{"name":"r","type":"object","properties":{"k":{"type":"string"}}}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var spec v1.TaskSpec
		if err := yaml.Unmarshal(doc, &spec); err != nil {
			return
		}
		v := NewValues()
		v.Strings["params.a"] = "x"
		v.Arrays["params.b"] = []string{"1", "2"}
		v.Objects["params.o"] = map[string]string{"k": "v"}
		out := ApplyToTaskSpec(&spec, v)
		_ = Unresolved(out)
		_ = UsedWorkspaces(out)
		_ = ApplyStepResultPaths(out)
	})
}
