package hub

import (
	"strings"
	"testing"
)

func TestHubVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, artifact, tekton string
		pinnable             bool
	}{
		{in: "0.6", artifact: "0.6.0", tekton: "0.6", pinnable: true},
		{in: "0.6.0", artifact: "0.6.0", tekton: "0.6", pinnable: true},
		{in: "v1", artifact: "1.0.0", tekton: "1.0", pinnable: true},
		{in: "1.2.3.4", artifact: "1.2.3.4", tekton: "1.2", pinnable: true},
		{in: "1.0.0-rc1", artifact: "1.0.0-rc1", tekton: "1.0.0-rc1", pinnable: true},
		{in: "latest", artifact: "latest", tekton: "latest"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := hubVersion(tc.in, TypeArtifact); got != tc.artifact {
				t.Errorf("artifact form = %q, want %q", got, tc.artifact)
			}
			if got := hubVersion(tc.in, TypeTekton); got != tc.tekton {
				t.Errorf("tekton form = %q, want %q", got, tc.tekton)
			}
			if got := pinnable(tc.in); got != tc.pinnable {
				t.Errorf("pinnable = %v, want %v", got, tc.pinnable)
			}
		})
	}
}

func TestConstraint(t *testing.T) {
	t.Parallel()
	versions := []string{"0.1.0", "0.5.0", "0.5.3", "0.7", "1.0.0", "1.2.0", "2.0.0-rc1", "nightly"}
	tests := []struct {
		constraint string
		want       string // "" for no match
		wantErr    string
	}{
		{constraint: ">= 0.5.0", want: "1.2.0"},
		{constraint: ">=0.5.0, < 1.0.0", want: "0.7"},
		{constraint: "> 0.5, <= 0.7", want: "0.7"},
		{constraint: "< 0.5", want: "0.1.0"},
		{constraint: "= 0.5", want: "0.5.0"},
		{constraint: "=0.7.0", want: "0.7"},
		{constraint: "!= 1.2.0", want: "1.0.0"},
		{constraint: "~> 0.5.0", want: "0.5.3"},
		{constraint: "~> 0.5", want: "0.7"},
		{constraint: "~> 1", want: "1.2.0"},
		{constraint: ">= 3"},
		{constraint: ">= x", wantErr: "is neither a version nor a constraint"},
		{constraint: ">= 1.0.0-rc1", wantErr: "is neither a version nor a constraint"},
		{constraint: ">= 1,", wantErr: "is neither a version nor a constraint"},
	}
	for _, tc := range tests {
		t.Run(tc.constraint, func(t *testing.T) {
			t.Parallel()
			c, err := parseConstraint(tc.constraint)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || c == nil {
				t.Fatalf("parseConstraint = %v, %v", c, err)
			}
			got, ok := c.choose(versions)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("choose = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
	for _, v := range []string{"0.6", "v1.0.0", "latest", "1.0.0-rc1"} {
		if c, err := parseConstraint(v); c != nil || err != nil {
			t.Errorf("parseConstraint(%q) = %v, %v; want no constraint", v, c, err)
		}
	}
}
