package entrypoint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestApplyRelease(t *testing.T) {
	t.Parallel()
	values := map[string]string{"@slipway-held:a@": "A", "@slipway-held:ab@": "$(not.a.ref)", "@slipway-held:ip@": "$(NODE_IP):5000/$$(x)"}
	env := func(k string) (string, bool) {
		if k == "NODE_IP" {
			return "10.0.0.1", true
		}
		return "", false
	}
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{name: "script, command, when and output paths",
			in: Options{Script: "echo @slipway-held:a@ @slipway-held:ab@", Command: []string{"x@slipway-held:a@", "y"},
				When:   []When{{Input: "@slipway-held:a@", Operator: "in", Values: []string{"@slipway-held:ab@", "z"}}},
				Stdout: "/out/@slipway-held:a@"},
			want: Options{Script: "echo A $(not.a.ref)", Command: []string{"xA", "y"},
				When:   []When{{Input: "A", Operator: "in", Values: []string{"$(not.a.ref)", "z"}}},
				Stdout: "/out/A"}},
		{name: "nothing held", in: Options{Command: []string{"true"}}, want: Options{Command: []string{"true"}}},
		{name: "the kubelet's expansion of args, not of the script",
			in:   Options{Script: "echo @slipway-held:ip@", Command: []string{"--to=@slipway-held:ip@", "$(NODE_IP)"}},
			want: Options{Script: "echo $(NODE_IP):5000/$$(x)", Command: []string{"--to=10.0.0.1:5000/$(x)", "$(NODE_IP)"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, applyRelease(tc.in, newReplacers(values, env))); diff != "" {
				t.Errorf("applyRelease (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWaitRelease writes the values the way the kubelet updates a
// downward API volume: a new directory swapped in by a rename.
func TestWaitRelease(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "values")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		tmp := filepath.Join(dir, ".tmp")
		_ = os.WriteFile(tmp, []byte(`{"@slipway-held:p@":"v"}`), 0o644)
		_ = os.Rename(tmp, path)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := waitRelease(ctx, path)
	if err != nil || got["@slipway-held:p@"] != "v" {
		t.Fatalf("waitRelease = %v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := waitRelease(ctx, path); err == nil {
		t.Error("waitRelease accepted undecodable values")
	}
	short, stop := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer stop()
	if _, err := waitRelease(short, filepath.Join(dir, "never")); err == nil {
		t.Error("waitRelease did not give up with its context")
	}
}

func TestExpandVars(t *testing.T) {
	t.Parallel()
	env := func(k string) (string, bool) { v, ok := map[string]string{"A": "1", "EMPTY": ""}[k]; return v, ok }
	for in, want := range map[string]string{
		"$(A)-$(B)": "1-$(B)", "$$(A)": "$(A)", "$(EMPTY)x": "x", "$(A": "$(A", "$": "$", "a$b": "a$b", "$()": "$()", "": "",
	} {
		if got := expandVars(in, env); got != want {
			t.Errorf("expandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRelease: any release file content either decodes or is refused,
// and whatever the values and the text, putting them in place never
// panics, and a text without placeholders comes out as it went in.
func FuzzRelease(f *testing.F) {
	f.Add(`{"@slipway-held:p@":"v"}`, "echo @slipway-held:p@ $(HOME) $$")
	f.Add(`{"@slipway-held:p@":"$(HOME)/$$(x)"}`, "@slipway-held:p@@slipway-held:p@")
	f.Add(`{}`, "")
	f.Add(`not json`, "$(")
	f.Fuzz(func(t *testing.T, file, text string) {
		values, err := decodeRelease([]byte(file))
		if err != nil || values == nil {
			return
		}
		env := func(k string) (string, bool) { return "/home/" + k, k == "HOME" }
		o := applyRelease(Options{Script: text, Command: []string{text}, Stdout: text}, newReplacers(values, env))
		for k := range values {
			if k == "" || strings.Contains(text, k) {
				return
			}
		}
		if o.Script != text || o.Command[0] != text || o.Stdout != text {
			t.Errorf("a text without placeholders changed: %q → %q, %q, %q", text, o.Script, o.Command[0], o.Stdout)
		}
	})
}
