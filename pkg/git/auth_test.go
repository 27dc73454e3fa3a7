package git_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slipway-ci/slipway/pkg/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// writeFiles writes name → content files into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCloneBasicAuth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gitserver.WithBasicAuth("alice", "s3cret"))
	host := strings.TrimSuffix(strings.TrimPrefix(f.url, "http://"), "/app")
	credsDir := func(pass string) string {
		return writeFiles(t, map[string]string{
			".git-credentials": "https://alice:x@other.example.com\nhttp://alice:" + pass + "@" + host + "\n",
			".gitconfig":       "[credential \"http://" + host + "\"]\n\thelper = store\n",
		})
	}
	secret := func(pass, match string) []git.Secret {
		dir := writeFiles(t, map[string]string{"username": "alice\n", "password": pass + "\n"})
		return []git.Secret{{Kind: git.SSHAuthSecret, Dir: t.TempDir(), Match: host}, {Kind: git.BasicAuthSecret, Dir: dir, Match: match}}
	}
	tests := []struct {
		name     string
		url      string
		creds    git.Credentials
		wantErr  bool
		wantCred bool // the AuthError says credentials were sent
	}{
		{name: "workspace", creds: git.Credentials{BasicAuthDirs: []string{t.TempDir(), credsDir("s3cret")}}},
		{name: "workspace wrong password", creds: git.Credentials{BasicAuthDirs: []string{t.TempDir(), credsDir("wrong")}}, wantErr: true, wantCred: true},
		{name: "secret", creds: git.Credentials{Secrets: secret("s3cret", "http://"+host)}},
		{name: "secret wrong password", creds: git.Credentials{Secrets: secret("wrong", "http://"+host)}, wantErr: true, wantCred: true},
		{name: "secret for another host", creds: git.Credentials{Secrets: secret("s3cret", "https://github.com")}, wantErr: true},
		{name: "URL user info", url: "http://alice:s3cret@" + host + "/app"},
		{name: "no credentials", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := f.url
			if tc.url != "" {
				url = tc.url
			}
			got, err := git.Clone(context.Background(), git.Options{URL: url, Dir: t.TempDir(), Credentials: tc.creds})
			var authErr *git.AuthError
			switch {
			case !tc.wantErr && err != nil:
				t.Fatalf("Clone: %v", err)
			case !tc.wantErr && got.Commit != f.c5:
				t.Errorf("Commit = %s, want %s", got.Commit, f.c5)
			case tc.wantErr && !errors.As(err, &authErr):
				t.Fatalf("Clone error = %v, want *AuthError", err)
			case tc.wantErr && authErr.HadCredentials != tc.wantCred:
				t.Errorf("HadCredentials = %v, want %v (%v)", authErr.HadCredentials, tc.wantCred, err)
			}
			if strings.Contains(got.URL, "s3cret") {
				t.Errorf("Result.URL %q leaks the password", got.URL)
			}
		})
	}
}
