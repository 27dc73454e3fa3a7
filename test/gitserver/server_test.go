package gitserver_test

import (
	"errors"
	"path/filepath"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/slipway-ci/slipway/test/gitserver"
)

func TestServeSampleApp(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	app, err := gitserver.CreateSampleApp(filepath.Join(root, "app"), "localhost:5000/base")
	if err != nil {
		t.Fatal(err)
	}
	url := gitserver.Start(t, root)
	r, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: url + "/app", Depth: 1})
	if err != nil {
		t.Fatalf("shallow clone: %v", err)
	}
	head, err := r.Head()
	if err != nil {
		t.Fatal(err)
	}
	if got := head.Hash().String(); got != app.V1 {
		t.Errorf("HEAD = %s, want v1 commit %s", got, app.V1)
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if _, err := gitserver.CreateSampleApp(filepath.Join(root, "app"), "base"); err != nil {
		t.Fatal(err)
	}
	url := gitserver.Start(t, root, gitserver.WithBasicAuth("alice", "s3cret"))
	tests := []struct {
		name string
		auth transport.AuthMethod
		want error
	}{
		{name: "none", want: transport.ErrAuthenticationRequired},
		{name: "wrong", auth: &githttp.BasicAuth{Username: "alice", Password: "nope"}, want: transport.ErrAuthenticationRequired},
		{name: "right", auth: &githttp.BasicAuth{Username: "alice", Password: "s3cret"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := git.Clone(memory.NewStorage(), nil, &git.CloneOptions{URL: url + "/app", Auth: tc.auth})
			if !errors.Is(err, tc.want) {
				t.Errorf("clone error = %v, want %v", err, tc.want)
			}
		})
	}
}
