package git

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

func TestPlanFetch(t *testing.T) {
	t.Parallel()
	sha := "0123456789abcdef0123456789abcdef01234567"
	other := "fedcba9876543210fedcba9876543210fedcba98"
	refs := []*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		plumbing.NewHashReference("refs/heads/main", plumbing.NewHash(sha)),
		plumbing.NewHashReference("refs/heads/v1", plumbing.NewHash(sha)),
		plumbing.NewHashReference("refs/tags/v1", plumbing.NewHash(other)),
		plumbing.NewHashReference("refs/pull/1/head", plumbing.NewHash(other)),
	}
	tests := []struct {
		name, rev string
		want      fetchPlan
		wantOK    bool
	}{
		{name: "HEAD", rev: "", want: fetchPlan{kind: fetchRef, ref: "refs/heads/main"}, wantOK: true},
		{name: "branch", rev: "main", want: fetchPlan{kind: fetchRef, ref: "refs/heads/main"}, wantOK: true},
		{name: "tag wins over branch like git", rev: "v1", want: fetchPlan{kind: fetchRef, ref: "refs/tags/v1"}, wantOK: true},
		{name: "refs/ prefix optional", rev: "pull/1/head", want: fetchPlan{kind: fetchRef, ref: "refs/pull/1/head"}, wantOK: true},
		{name: "advertised SHA", rev: sha, want: fetchPlan{kind: fetchRef, ref: "refs/heads/main"}, wantOK: true},
		{name: "other SHA", rev: "1111111111111111111111111111111111111111", want: fetchPlan{kind: fetchSHA, hash: plumbing.NewHash("1111111111111111111111111111111111111111")}, wantOK: true},
		{name: "short advertised SHA", rev: "FEDCBA9", want: fetchPlan{kind: fetchRef, ref: "refs/tags/v1"}, wantOK: true},
		{name: "short SHA", rev: "abcdef1", want: fetchPlan{kind: fetchAll, prefix: "abcdef1"}, wantOK: true},
		{name: "hidden ref", rev: "refs/changes/01/1/1", want: fetchPlan{kind: fetchRef, ref: "refs/changes/01/1/1"}, wantOK: true},
		{name: "unknown", rev: "nope"},
		{name: "too short for a SHA", rev: "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := planFetch(tc.rev, refs)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(fetchPlan{})); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatchURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, url string
		want         bool
	}{
		{"", "https://github.com/a/b", true},
		{"https://github.com", "https://github.com/a/b", true},
		{"https://github.com/", "https://github.com/a/b", true},
		{"https://github.com/a", "https://github.com/a/b", true},
		{"https://github.com/a", "https://github.com/ab/c", false},
		{"https://github.com", "http://github.com/a/b", false},
		{"https://github.com:443", "https://github.com/a/b", true},
		{"https://gitlab.com", "https://github.com/a/b", false},
		{"github.com", "git@github.com:a/b.git", true},
		{"github.com:2222", "ssh://git@github.com:2222/a/b", true},
		{"github.com:2222", "git@github.com:a/b.git", false},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+" "+tc.url, func(t *testing.T) {
			t.Parallel()
			ep, err := transport.NewEndpoint(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := matchURL(tc.pattern, ep); got != tc.want {
				t.Errorf("matchURL = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    SecretKind
		value   string
		want    Secret
		wantErr bool
	}{
		{kind: BasicAuthSecret, value: "gh=https://github.com", want: Secret{Kind: BasicAuthSecret, Dir: "/tekton/creds-secrets/gh", Match: "https://github.com"}},
		{kind: SSHAuthSecret, value: "/mnt/key=github.com", want: Secret{Kind: SSHAuthSecret, Dir: "/mnt/key", Match: "github.com"}},
		{kind: BasicAuthSecret, value: "gh", wantErr: true},
		{kind: BasicAuthSecret, value: "=https://x", wantErr: true},
		{kind: "docker", value: "a=b", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSecret(tc.kind, tc.value, DefaultSecretsDir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Secret (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSSHAuth(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "id_ed25519"), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	secretDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(secretDir, "ssh-privatekey"), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // like the ~/.ssh creds-init writes
	idFile := filepath.Join(home, "id_github-key")
	sshConfig := "Host gitlab.com\n  IdentityFile /nonexistent\nHost github.com\n  HostName github.com\n  IdentityFile " + idFile + "\n"
	if err := os.WriteFile(idFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config"), []byte(sshConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	ep, err := transport.NewEndpoint("deploy@github.com:org/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Credentials{
		"directory":  {SSHDirs: []string{dir}},
		"ssh config": {SSHDirs: []string{home}},
		"secret":     {Secrets: []Secret{{Kind: SSHAuthSecret, Dir: secretDir, Match: "github.com"}}},
	} {
		a, err := authFor(c, ep)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		keys, ok := a.(*gitssh.PublicKeys)
		if !ok || keys.User != "deploy" {
			t.Errorf("%s: auth = %#v, want SSH keys for user deploy", name, a)
		}
	}
	if a, err := authFor(Credentials{SSHDirs: []string{t.TempDir()}}, ep); a != nil || err != nil {
		t.Errorf("empty ssh dir: auth = %v, err = %v; want none", a, err)
	}
}

func TestGitCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	creds := "# comment\n\nhttps://:tok@git.example.com/team\nhttps://bob:pw@github.com\n"
	cfg := "[credential \"https://git.example.com/team\"]\n\tusername = alice\n"
	for name, content := range map[string]string{".git-credentials": creds, ".gitconfig": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		url  string
		want transport.AuthMethod
	}{
		{url: "https://git.example.com/team/app.git", want: &githttp.BasicAuth{Username: "alice", Password: "tok"}},
		{url: "https://github.com/a/b", want: &githttp.BasicAuth{Username: "bob", Password: "pw"}},
		{url: "https://git.example.com/other/app.git"},
	}
	for _, tc := range tests {
		ep, err := transport.NewEndpoint(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := gitCredentials(dir, ep)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.url, diff)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	err := Options{Depth: -1, Credentials: Credentials{Secrets: []Secret{{Kind: "x"}}}}.validate()
	want := "no target directory\ndepth -1 is negative\nsecret : unknown kind \"x\""
	if err == nil || err.Error() != want {
		t.Errorf("validate = %v, want %q", err, want)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"git@github.com:org/repo.git":     "git@github.com:org/repo.git",
		"https://github.com/org/repo":     "https://github.com/org/repo",
		"https://bob@github.com/org/repo": "https://bob@github.com/org/repo",
		"https://bob:pw@github.com/org/r": "https://bob:xxxxx@github.com/org/r",
	} {
		ep, err := parseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := redact(raw, ep); got != want {
			t.Errorf("redact(%q) = %q, want %q", raw, got, want)
		}
	}
}
