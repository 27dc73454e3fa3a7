package git_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/git"
)

func TestParamsRefused(t *testing.T) {
	t.Parallel()
	secrets := fakeSecrets(
		secret("ssh", corev1.SecretTypeSSHAuth, map[string]string{"ssh-privatekey": "x"}),
		secret("alice", corev1.SecretTypeBasicAuth, map[string]string{"username": "alice", "password": "s3cret"}),
	)
	const u = "https://example.com/org/repo.git"
	tests := []struct {
		name   string
		params map[string]string
		msg    string
	}{
		{name: "SCM API mode", params: map[string]string{"repo": "pipeline", "org": "tektoncd", "pathInRepo": "t.yaml"}, msg: `param "org" selects the SCM API mode, which is not supported: use url`},
		{name: "SCM token with url", params: map[string]string{"url": u, "token": "s", "pathInRepo": "t.yaml"}, msg: `param "token" selects the SCM API mode`},
		{name: "serverURL", params: map[string]string{"url": u, "serverURL": "https://ghe", "pathInRepo": "t.yaml"}, msg: `param "serverURL" selects the SCM API mode`},
		{name: "unknown param", params: map[string]string{"url": u, "pathInRepo": "t.yaml", "branch": "main"}, msg: `unknown param "branch"`},
		{name: "no url", params: map[string]string{"pathInRepo": "t.yaml"}, msg: "param url is required"},
		{name: "no pathInRepo", params: map[string]string{"url": u}, msg: "param pathInRepo is required"},
		{name: "file URL", params: map[string]string{"url": "file:///etc", "pathInRepo": "passwd"}, msg: `protocol "file" is not supported`},
		{name: "local path", params: map[string]string{"url": "/var/run/secrets", "pathInRepo": "token"}, msg: `protocol "file" is not supported`},
		{name: "white space", params: map[string]string{"url": " " + u, "pathInRepo": "t.yaml"}, msg: "leading or trailing white space"},
		{name: "path traversal", params: map[string]string{"url": u, "pathInRepo": "a/../../t.yaml"}, msg: `must not contain ".."`},
		{name: "option as revision", params: map[string]string{"url": u, "revision": "--upload-pack=x", "pathInRepo": "t.yaml"}, msg: "is not a branch, tag or commit SHA"},
		{name: "gitTokenKey alone", params: map[string]string{"url": u, "pathInRepo": "t.yaml", "gitTokenKey": "k"}, msg: "param gitTokenKey is set without gitToken"},
		{name: "ssh key for https", params: map[string]string{"url": u, "pathInRepo": "t.yaml", "gitToken": "ssh"}, msg: `gitToken Secret "ssh" holds ssh-auth credentials, which cannot be used with a https URL`},
		{name: "password for ssh", params: map[string]string{"url": "git@example.com:org/repo.git", "pathInRepo": "t.yaml", "gitToken": "alice"}, msg: "holds basic-auth credentials, which cannot be used with a ssh URL"},
	}
	r := git.New(secrets)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := resolution.Request{Resolver: "git", Params: tc.params, Namespace: "ns"}
			_, _, err := r.Pin(context.Background(), req)
			t.Log(err)
			if !errors.Is(err, resolution.ErrInvalidParams) {
				t.Fatalf("Pin error = %v, want ErrInvalidParams", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Pin error = %q, want it to contain %q", err, tc.msg)
			}
			if _, err := r.Fetch(context.Background(), req, ""); !errors.Is(err, resolution.ErrInvalidParams) {
				t.Errorf("Fetch error = %v, want ErrInvalidParams", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := git.New(nil, git.WithDefaultURL(f.open), git.WithDefaultRevision("release"))
	pin, got, err := resolve(context.Background(), r, map[string]string{"pathInRepo": "task.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if pin != f.v1 || string(got.Data) != taskYAML("v1") {
		t.Errorf("resolve = %s %q, want %s %q", pin, got.Data, f.v1, taskYAML("v1"))
	}
	if name := r.Name(); name != "git" {
		t.Errorf("Name() = %q, want git", name)
	}
}
