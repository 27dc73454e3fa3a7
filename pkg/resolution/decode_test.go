package resolution

import (
	"context"
	"errors"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

func TestDecodeTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		wantStep   string
		sentinel   error
		wantErr    string
	}{
		{name: "v1", data: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: build}\nspec:\n  steps: [{name: s, image: alpine, script: echo}]\n",
			wantStep: "s"},
		{name: "v1beta1 converted", data: "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata: {name: build}\nspec:\n  params: [{name: p, type: string}]\n  steps: [{name: old, image: alpine, script: echo}]\n",
			wantStep: "old"},
		{name: "wrong kind", data: "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: ci}\nspec: {}\n",
			sentinel: ErrWrongKind, wantErr: `wrong kind: the resolved object is a Pipeline (tekton.dev/v1) named "ci", not a Task`},
		{name: "no kind", data: "hello: world\n", sentinel: ErrWrongKind, wantErr: "an object with no kind"},
		{name: "wrong version", data: "apiVersion: tekton.dev/v2\nkind: Task\n", sentinel: ErrWrongKind, wantErr: `apiVersion "tekton.dev/v2"`},
		{name: "unknown field", data: "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: build}\nspec:\n  steps: [{name: s, image: alpine, stepz: 1}]\n",
			wantErr: `unknown field "spec.steps[0].stepz"`},
		{name: "not yaml", data: "[", wantErr: "not a YAML or JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeTask(context.Background(), &Resolved{Data: []byte(tc.data)})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("errors.Is(%v) = false", tc.sentinel)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "build" || got.Spec.Steps[0].Name != tc.wantStep {
				t.Errorf("got %q with steps %+v", got.Name, got.Spec.Steps)
			}
		})
	}
}

func TestNewRequestRefusesArrays(t *testing.T) {
	t.Parallel()
	_, err := NewRequest("Task", "ns", refWithArray())
	if !errors.Is(err, ErrInvalidParams) || !strings.Contains(err.Error(), `param "urls" is an array`) {
		t.Errorf("error = %v", err)
	}
}

func refWithArray() v1.ResolverRef {
	return v1.ResolverRef{Resolver: "git", Params: v1.Params{{Name: "urls", Value: *v1.NewStructuredValues("a", "b")}}}
}
