package git_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/slipway-ci/slipway/pkg/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

func TestCloneSubmodules(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	url := gitserver.Start(t, root)
	lib, err := gitserver.Init(filepath.Join(root, "lib"))
	if err != nil {
		t.Fatal(err)
	}
	libSHA, err := lib.Commit("lib", map[string]string{"lib.txt": "library"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := gitserver.Init(filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit("app", map[string]string{"main.txt": "app"}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.AddSubmodule("vendor/lib", url+"/lib", libSHA); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		submodules bool
		depth      int
	}{{name: "off"}, {name: "on", submodules: true}, {name: "on depth 1", submodules: true, depth: 1}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if _, err := git.Clone(context.Background(), git.Options{URL: url + "/app", Dir: dir, Submodules: tc.submodules, Depth: tc.depth}); err != nil {
				t.Fatalf("Clone: %v", err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "vendor", "lib", "lib.txt"))
			if got := err == nil && string(b) == "library"; got != tc.submodules {
				t.Errorf("submodule checked out = %v (err %v), want %v", got, err, tc.submodules)
			}
		})
	}
}

func TestCloneRefspecsAndExistingDir(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.txt")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := git.Clone(ctx, git.Options{URL: f.url, Revision: "feature", Dir: dir, DeleteExisting: true,
		Refspecs: []string{"refs/tags/v1:refs/tags/v1", "+refs/pull/*/head:refs/remotes/pr/*"}})
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if got.Commit != f.c3 {
		t.Errorf("Commit = %s, want %s", got.Commit, f.c3)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("DeleteExisting left %s (stat error %v)", stale, err)
	}
	for _, ref := range []string{"refs/tags/v1", "refs/remotes/pr/1"} {
		if _, err := os.Stat(filepath.Join(dir, ".git", ref)); err != nil {
			t.Errorf("refspec did not fetch %s: %v", ref, err)
		}
	}
	// A second clone into the same directory without deleting reuses it.
	got, err = git.Clone(ctx, git.Options{URL: f.url, Revision: "v1", Dir: dir})
	if err != nil || got.Commit != f.c1 {
		t.Errorf("re-clone = %s, %v; want %s", got.Commit, err, f.c1)
	}
	if content := readFile(t, dir); content != "c1" {
		t.Errorf("file.txt after re-clone = %q, want c1", content)
	}
}
