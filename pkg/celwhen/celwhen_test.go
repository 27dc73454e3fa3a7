package celwhen_test

import (
	"strings"
	"testing"

	"github.com/slipway-ci/slipway/pkg/celwhen"
)

func TestEval(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr string
		want bool
		err  string
	}{
		{expr: "'release' == 'release'", want: true},
		{expr: "'v1.2' in ['v1.1', 'v1.3']"},
		{expr: "size('abc') > 2 && !('x' in [])", want: true},
		{expr: "1 + 1", err: "not evaluated to a boolean"},
		{expr: "params.env == 'prod'", err: "undeclared reference"}, // no variables: substitution comes first
		{expr: "'a' ==", err: "Syntax error"},
	}
	for _, tc := range cases {
		got, err := celwhen.Eval(tc.expr)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Eval(%q) error %v, want %q", tc.expr, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("Eval(%q) = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
}
