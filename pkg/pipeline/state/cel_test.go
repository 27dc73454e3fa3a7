package state

import (
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

func TestWhenAllowsCEL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cel string
		want      bool
		err       string
	}{
		{name: "true", cel: "'prod' == 'prod'", want: true},
		{name: "false", cel: "'dev' in ['prod', 'staging']"},
		{name: "not a boolean", cel: "'a' + 'b'", err: "is not evaluated to a boolean"},
		{name: "does not compile", cel: "'a' ==", err: "Syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := whenAllows(v1.WhenExpressions{{CEL: tc.cel}})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("whenAllows(%q) = %v, %v; want %v", tc.cel, got, err, tc.want)
			}
		})
	}
}
