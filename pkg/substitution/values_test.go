package substitution

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testValues() Values {
	v := NewValues()
	v.Strings["params.foo"] = "FOO"
	v.Strings["params.dotted.name"] = "DOT"
	v.Strings["context.taskRun.name"] = "tr"
	v.Strings["tasks.build.results.digest"] = "sha256:abc"
	v.Arrays["params.list"] = []string{"a", "b", "c"}
	v.Arrays["tasks.build.results.files"] = []string{"x", "y"}
	v.Objects["params.obj"] = map[string]string{"key": "K", "url": "U"}
	return v
}

func TestString(t *testing.T) {
	t.Parallel()
	v := testValues()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"no reference", "plain text", "plain text"},
		{"dotted", "$(params.foo)", "FOO"},
		{"inside text", "a-$(params.foo)-b", "a-FOO-b"},
		{"twice", "$(params.foo)$(params.foo)", "FOOFOO"},
		{"double quoted bracket", `$(params["foo"])`, "FOO"},
		{"single quoted bracket", `$(params['foo'])`, "FOO"},
		{"bracket with dotted name", `$(params["dotted.name"])`, "DOT"},
		{"legacy inputs.params", "$(inputs.params.foo)", "FOO"},
		{"legacy inputs.params array element", "$(inputs.params.list[0])", "a"},
		{"context", "$(context.taskRun.name)", "tr"},
		{"task result", "$(tasks.build.results.digest)", "sha256:abc"},
		{"task result bracket", `$(tasks.build.results["digest"])`, "sha256:abc"},
		{"array element", "$(params.list[1])", "b"},
		{"array element bracket", `$(params["list"][2])`, "c"},
		{"result array element", "$(tasks.build.results.files[0])", "x"},
		{"array out of range", "$(params.list[3])", "$(params.list[3])"},
		{"object key", "$(params.obj.key)", "K"},
		{"object key bracket", `$(params["obj"].url)`, "U"},
		{"object missing key", "$(params.obj.nope)", "$(params.obj.nope)"},
		{"whole array in string", "x $(params.list[*])", "x $(params.list[*])"},
		{"unknown", "$(params.missing) $(HOME)", "$(params.missing) $(HOME)"},
		{"unterminated", "$(params.foo", "$(params.foo"},
		{"spaces", "$( params.foo )", "FOO"},
		{"value with reference is not re-expanded", "$(params.foo)", "FOO"},
		{"inside shell command substitution", `x=$(<"$(params.foo)/f") y=$(cat $(params.foo))`, `x=$(<"FOO/f") y=$(cat FOO)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, v.String(tc.in)); diff != "" {
				t.Errorf("String(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	v := testValues()
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"nil", nil, nil},
		{"empty", []string{}, []string{}},
		{"plain", []string{"-x", "$(params.foo)"}, []string{"-x", "FOO"}},
		{"array expands", []string{"pre", "$(params.list[*])", "post"}, []string{"pre", "a", "b", "c", "post"}},
		{"bracket array expands", []string{`$(params["list"][*])`}, []string{"a", "b", "c"}},
		{"result array expands", []string{"$(tasks.build.results.files[*])"}, []string{"x", "y"}},
		{"array inside text stays", []string{"x$(params.list[*])"}, []string{"x$(params.list[*])"}},
		{"empty array", []string{"$(params.empty[*])"}, []string{"$(params.empty[*])"}},
		{"object whole stays", []string{"$(params.obj[*])"}, []string{"$(params.obj[*])"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, v.Expand(tc.in)); diff != "" {
				t.Errorf("Expand(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestArrayObject(t *testing.T) {
	t.Parallel()
	v := testValues()
	if a, ok := v.Array("$(params.list)"); !ok || len(a) != 3 {
		t.Errorf("Array($(params.list)) = %v, %v", a, ok)
	}
	if _, ok := v.Array("$(params.list[1])"); ok {
		t.Error("Array of an element reference must not match")
	}
	m, ok := v.Object(`$(params["obj"][*])`)
	if diff := cmp.Diff(map[string]string{"key": "K", "url": "U"}, m); !ok || diff != "" {
		t.Errorf("Object (-want +got):\n%s", diff)
	}
	if _, ok := v.Object("x $(params.obj[*])"); ok {
		t.Error("Object with surrounding text must not match")
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, name, idx string
	}{
		{"params.a", "params.a", ""},
		{`params["a.b"][2]`, "params.a.b", "2"},
		{`params['a'][*]`, "params.a", "*"},
		{`tasks.t.results['r'].key`, "tasks.t.results.r.key", ""},
		{`params[0]`, "params", "0"},
		{`params["unterminated]`, `params["unterminated]`, ""},
		{"inputs.params.a", "params.a", ""},
		{`inputs.params["a.b"]`, "params.a.b", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			name, idx := Normalize(tc.in)
			if name != tc.name || idx != tc.idx {
				t.Errorf("Normalize(%q) = %q, %q; want %q, %q", tc.in, name, idx, tc.name, tc.idx)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	a := NewValues()
	a.Strings["x"] = "1"
	b := NewValues()
	b.Strings["x"] = "2"
	b.Arrays["y"] = []string{"z"}
	got := a.Merge(b)
	if got.Strings["x"] != "2" || len(got.Arrays["y"]) != 1 || a.Strings["x"] != "1" {
		t.Errorf("Merge = %+v, a = %+v", got, a)
	}
}

func BenchmarkString(b *testing.B) {
	v := testValues()
	s := `echo $(params.foo) $(params["obj"].key) $(context.taskRun.name) > $(results.out.path)`
	for b.Loop() {
		_ = v.String(s)
	}
}
