package entrypoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func stepsFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(step, name, v string) {
		d := StepResultsDir(filepath.Join(dir, "step-"+step))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("build", "digest", "sha256:abc")
	write("build", "files", `["a","b"]`)
	write("build", "info", `{"url":"u","tag":"t"}`)
	return dir
}

func TestReplaceStepRefs(t *testing.T) {
	t.Parallel()
	dir := stepsFixture(t)
	tests := []struct{ in, want, err string }{
		{in: "no refs", want: "no refs"},
		{in: "push $(steps.build.results.digest) now", want: "push sha256:abc now"},
		{in: "$(steps.build.results.files[1])", want: "b"},
		{in: "$(steps.build.results.info.url)", want: "u"},
		{in: "$(params.x) $(steps.build.results.digest)", want: "$(params.x) sha256:abc"},
		{in: "$(steps.other.results.x)", err: `step "other" did not write result "x"`},
		{in: "$(steps.build.results.files[5])", err: "index 5 out of range"},
		{in: "x $(steps.build.results.files[*])", err: "on its own"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := replaceStepRefs(dir, tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("replaceStepRefs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestResolveStepRefsCommand(t *testing.T) {
	t.Parallel()
	dir := stepsFixture(t)
	o := Options{Step: "use", StepDir: filepath.Join(dir, "step-use"),
		Command: []string{"ls", "$(steps.build.results.files[*])", "--tag=$(steps.build.results.info.tag)"},
		Script:  "echo $(steps.build.results.digest)"}
	got, err := resolveStepRefs(o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ls", "a", "b", "--tag=t"}, got.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if got.Script != "echo sha256:abc" {
		t.Errorf("script = %q", got.Script)
	}
	if _, err := os.Stat(StepResultsDir(o.StepDir)); err != nil {
		t.Errorf("step results directory not created: %v", err)
	}
}
