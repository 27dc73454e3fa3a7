package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunSubcommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, ".dockerconfigjson"), []byte(`{"auths":{"r.io":{"auth":"eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no subcommand", wantCode: 2, wantStderr: "usage:"},
		{name: "unknown subcommand", args: []string{"push"}, wantCode: 1, wantStderr: `unknown subcommand "push"`},
		{name: "help", args: []string{"check", "-help"}, wantCode: 0, wantStderr: "-digest-file"},
		{name: "docker-config", args: []string{"docker-config", "-out", filepath.Join(dir, "out"), "-dir=", "-dir", ws},
			wantStdout: "docker credentials for 1 registries: r.io"},
		{name: "docker-config without out", args: []string{"docker-config"}, wantCode: 1, wantStderr: "no output directory"},
		{name: "docker-config extra args", args: []string{"docker-config", "-out=x", "y"}, wantCode: 1, wantStderr: "unexpected arguments"},
		{name: "check without flags", args: []string{"check"}, wantCode: 1, wantStderr: "-image and -digest-file are required"},
		{name: "check missing digest file", args: []string{"check", "-image=r.io/a", "-digest-file", filepath.Join(dir, "none"), "--", "--insecure"},
			wantCode: 1, wantStderr: "reading kaniko's digest file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Main(context.Background(), tc.args, &out, &errOut)
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tc.wantCode, errOut.String())
			}
			if !strings.Contains(out.String(), tc.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tc.wantStdout)
			}
			if !strings.Contains(errOut.String(), tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tc.wantStderr)
			}
		})
	}
}
