package git_test

import (
	"context"
	"fmt"
	"os"

	"github.com/slipway-ci/slipway/pkg/git"
)

func ExampleClone() {
	dir, err := os.MkdirTemp("", "clone")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	res, err := git.Clone(context.Background(), git.Options{
		URL:      "https://github.com/tektoncd/pipeline",
		Revision: "refs/pull/1/head",
		Depth:    1,
		Dir:      dir,
		Credentials: git.Credentials{
			BasicAuthDirs: []string{"/workspace/basic-auth"},
			Secrets:       []git.Secret{{Kind: git.SSHAuthSecret, Dir: "/tekton/creds-secrets/ssh", Match: "github.com"}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Commit, res.CommitterDate)
}
