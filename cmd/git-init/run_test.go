package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slipway-ci/slipway/pkg/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

func TestOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    git.Options
		wantErr string
	}{{
		name: "all flags",
		args: []string{"-url=https://h/r", "-revision=v1", "-refspec=refs/a:refs/a  refs/b:refs/b", "-path=/w/src",
			"-depth=0", "-submodules=false", "-sslVerify=false", "-deleteExisting=true",
			"-basic-auth-dir=/ws/basic", "-ssh-dir=/ws/ssh", "-home=/tekton/home",
			"-basic-git=gh=https://github.com", "-ssh-git=/k=github.com"},
		want: git.Options{URL: "https://h/r", Revision: "v1", Refspecs: []string{"refs/a:refs/a", "refs/b:refs/b"},
			Dir: "/w/src", DeleteExisting: true, InsecureSkipTLS: true,
			Credentials: git.Credentials{
				BasicAuthDirs: []string{"/ws/basic", "/tekton/home"},
				SSHDirs:       []string{"/ws/ssh", "/tekton/home/.ssh"},
				Secrets: []git.Secret{
					{Kind: git.BasicAuthSecret, Dir: "/tekton/creds-secrets/gh", Match: "https://github.com"},
					{Kind: git.SSHAuthSecret, Dir: "/k", Match: "github.com"},
				},
			}},
	}, {
		name: "defaults",
		args: []string{"-url=https://h/r", "-path=/w", "-home="},
		want: git.Options{URL: "https://h/r", Dir: "/w", Depth: 1, Submodules: true, Refspecs: []string{}},
	}, {
		name: "missing url", args: []string{"-path=/w"}, wantErr: "-url and -path are required",
	}, {
		name: "bad secret", args: []string{"-url=u", "-path=/w", "-basic-git=nope"}, wantErr: "want <secret-name>=<url or host>",
	}, {
		name: "bad depth", args: []string{"-depth=x"}, wantErr: "invalid value",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			f, err := parseFlags(tc.args, &out)
			var got git.Options
			if err == nil {
				got, err = f.options()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMainWritesResults(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	url := gitserver.Start(t, root) + "/app"
	app, err := gitserver.CreateSampleApp(filepath.Join(root, "app"), "base")
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	var logs bytes.Buffer
	code := Main(context.Background(), []string{
		"-url=" + url, "-revision=v2", "-path=" + filepath.Join(t.TempDir(), "src"), "-home=",
		"-result-commit=" + filepath.Join(results, "commit"),
		"-result-url=" + filepath.Join(results, "url"),
		"-result-committer-date=" + filepath.Join(results, "committer-date"),
	}, &logs)
	if code != 0 {
		t.Fatalf("exit code %d, logs:\n%s", code, logs.String())
	}
	want := map[string]string{
		"commit": app.V2, "url": url,
		"committer-date": strconv.FormatInt(gitserver.Epoch.Add(60e9).Unix(), 10),
	}
	for name, value := range want {
		b, err := os.ReadFile(filepath.Join(results, name))
		if err != nil || string(b) != value {
			t.Errorf("result %s = %q (%v), want %q", name, b, err, value)
		}
	}
}

func TestMainFails(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	code := Main(context.Background(), []string{"-url=ftp://x/y", "-path=" + t.TempDir()}, &logs)
	if code != 1 || !strings.Contains(logs.String(), `invalid git URL \"ftp://x/y\"`) {
		t.Errorf("exit code %d, logs %q; want 1 and the URL error", code, logs.String())
	}
}
