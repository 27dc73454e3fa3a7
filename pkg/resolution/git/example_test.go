package git_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// Resolve a Task from a branch: Pin names the commit, Fetch reads the file
// there.
func ExampleResolver() {
	root, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	repo, err := gitserver.Init(filepath.Join(root, "catalog"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := repo.Commit("add build", map[string]string{"task/build/build.yaml": "kind: Task\n"}); err != nil {
		log.Fatal(err)
	}
	s, err := gitserver.New(root)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	r := git.New(nil)
	req := resolution.Request{
		Resolver: "git", Kind: "Task", Namespace: "default",
		Params: map[string]string{"url": srv.URL + "/catalog", "revision": "main", "pathInRepo": "task/build/build.yaml"},
	}
	pin, _, err := r.Pin(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	got, err := r.Fetch(context.Background(), req, pin)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pin == got.RefSource.Digest["sha1"], got.RefSource.EntryPoint)
	fmt.Print(string(got.Data))
	// Output:
	// true task/build/build.yaml
	// kind: Task
}
