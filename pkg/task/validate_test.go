package task

import (
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

func TestCheckParams(t *testing.T) {
	t.Parallel()
	decl := v1.ParamSpecs{
		{Name: "who", Type: v1.ParamTypeString},
		{Name: "tags", Type: v1.ParamTypeArray, Default: v1.NewStructuredValues("a", "b")},
	}
	tests := []struct {
		name  string
		given v1.Params
		want  string
	}{
		{name: "all given", given: v1.Params{{Name: "who", Value: *v1.NewStructuredValues("me")}}},
		{name: "extra ignored", given: v1.Params{{Name: "who", Value: *v1.NewStructuredValues("me")}, {Name: "x", Value: *v1.NewStructuredValues("y")}}},
		{name: "missing", want: "invalid params: missing value for params who (declared without a default)"},
		{name: "wrong type", given: v1.Params{{Name: "who", Value: *v1.NewStructuredValues("a", "b")}},
			want: `invalid params: param "who" is declared as string but given as array`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkParams(decl, tc.given)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("checkParams() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckWorkspaces(t *testing.T) {
	t.Parallel()
	decl := []v1.WorkspaceDeclaration{{Name: "src"}, {Name: "cache", Optional: true}}
	if err := checkWorkspaces(decl, []v1.WorkspaceBinding{{Name: "src"}}); err != nil {
		t.Errorf("bound: %v", err)
	}
	err := checkWorkspaces(decl, nil)
	want := "invalid workspaces: workspaces src are declared but not bound by the TaskRun"
	if err == nil || err.Error() != want {
		t.Errorf("unbound: %v, want %q", err, want)
	}
}

func TestCheckEnums(t *testing.T) {
	t.Parallel()
	decl := v1.ParamSpecs{{Name: "env", Type: v1.ParamTypeString, Enum: []string{"dev", "prod"}}, {Name: "free"}}
	tests := []struct {
		name  string
		given v1.Params
		want  string
	}{
		{"in the enum", v1.Params{{Name: "env", Value: *v1.NewStructuredValues("dev")}}, ""},
		{"no enum", v1.Params{{Name: "free", Value: *v1.NewStructuredValues("x")}}, ""},
		{"not in the enum", v1.Params{{Name: "env", Value: *v1.NewStructuredValues("qa")}}, "param `env` value: qa is not in the enum list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkEnums(decl, tc.given)
			if (tc.want == "" && err != nil) || (tc.want != "" && (err == nil || err.Error() != tc.want)) {
				t.Errorf("checkEnums = %v, want %q", err, tc.want)
			}
		})
	}
}
