package git_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slipway-ci/slipway/pkg/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// fixture is the served test repository "app":
//
//	main:    c1 ─ c2 ─ c5   (tag v1 → c1, annotated tag v2 → c2)
//	feature:       └─ c3
//	refs/pull/1/head: c1 ─ c4
type fixture struct {
	url                string
	c1, c2, c3, c4, c5 string
}

func newFixture(t *testing.T, opts ...gitserver.Option) fixture {
	t.Helper()
	root := t.TempDir()
	f := fixture{url: gitserver.Start(t, root, opts...) + "/app"}
	r, err := gitserver.Init(filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	commit := func(name string) string {
		t.Helper()
		h, err := r.Commit(name, map[string]string{"file.txt": name})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.c1 = commit("c1")
	must(r.Tag("v1", f.c1, ""))
	must(r.Checkout("pr"))
	f.c4 = commit("c4")
	must(r.SetRef("refs/pull/1/head", f.c4))
	must(r.Checkout("main"))
	f.c2 = commit("c2")
	must(r.Tag("v2", f.c2, "release v2"))
	must(r.Checkout("feature"))
	f.c3 = commit("c3")
	must(r.Checkout("main"))
	f.c5 = commit("c5")
	return f
}

// readFile reads the file every fixture commit writes.
func readFile(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "file.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCloneRevisions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	noSHA := newFixture(t, gitserver.WithoutSHAWant())
	tests := []struct {
		name     string
		url      string
		revision string
		depth    int
		want     string // commit name, also the file content
	}{
		{name: "default HEAD", revision: "", want: "c5"},
		{name: "branch", revision: "feature", want: "c3"},
		{name: "full branch ref", revision: "refs/heads/feature", want: "c3"},
		{name: "lightweight tag", revision: "v1", want: "c1"},
		{name: "annotated tag", revision: "v2", want: "c2"},
		{name: "pull request ref", revision: "refs/pull/1/head", want: "c4"},
		{name: "tip SHA", revision: "c3", want: "c3"},
		{name: "inner SHA", revision: "c2", want: "c2"},
		{name: "inner SHA depth 1", revision: "c2", depth: 1, want: "c2"},
		{name: "short SHA", revision: "c2:7", want: "c2"},
		{name: "short tip SHA", revision: "c5:8", want: "c5"},
		{name: "SHA without server support", url: noSHA.url, revision: "c2", want: "c2"},
		{name: "branch depth 1", revision: "main", depth: 1, want: "c5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := f
			if tc.url != "" {
				fx = noSHA
			}
			dir := t.TempDir()
			got, err := git.Clone(context.Background(), git.Options{
				URL: fx.url, Revision: fx.expand(tc.revision), Depth: tc.depth, Dir: dir,
			})
			if err != nil {
				t.Fatalf("Clone: %v", err)
			}
			want := git.Result{Commit: fx.sha(tc.want), URL: fx.url, CommitterDate: got.CommitterDate}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			if got.CommitterDate < gitserver.Epoch.Unix() {
				t.Errorf("CommitterDate = %d, before the fixture epoch", got.CommitterDate)
			}
			if content := readFile(t, dir); content != tc.want {
				t.Errorf("file.txt = %q, want %q", content, tc.want)
			}
			checkDepth(t, dir, tc.depth)
		})
	}
}

// sha maps a commit name (c1..c5) to its SHA.
func (f fixture) sha(name string) string {
	return map[string]string{"c1": f.c1, "c2": f.c2, "c3": f.c3, "c4": f.c4, "c5": f.c5}[name]
}

// expand turns "cN" into cN's SHA and "cN:k" into its first k digits.
func (f fixture) expand(rev string) string {
	name, n, short := strings.Cut(rev, ":")
	sha := f.sha(name)
	if sha == "" {
		return rev
	}
	if short {
		k, err := strconv.Atoi(n)
		if err != nil {
			panic(err)
		}
		return sha[:k]
	}
	return sha
}

// checkDepth checks that a shallow clone is shallow and a full one is not.
func checkDepth(t *testing.T, dir string, depth int) {
	t.Helper()
	_, err := os.Stat(filepath.Join(dir, ".git", "shallow"))
	if shallow := err == nil; shallow != (depth > 0) {
		t.Errorf("shallow = %v, want %v (depth %d)", shallow, depth > 0, depth)
	}
}

func TestCloneErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name     string
		url      string
		revision string
		check    func(error) bool
		wantMsg  string
	}{
		{name: "missing branch", revision: "nope", check: isRevisionNotFound, wantMsg: `revision "nope" not found in ` + f.url},
		{name: "missing ref", revision: "refs/pull/9/head", check: isRevisionNotFound},
		{name: "missing SHA", revision: strings.Repeat("ab", 20), check: isRevisionNotFound},
		{name: "missing short SHA", revision: "0000000", check: isRevisionNotFound},
		{name: "missing repository", url: f.url + "-nope", check: func(err error) bool { return errors.Is(err, git.ErrRepositoryNotFound) }},
		{name: "empty URL", url: " ", check: isURLError},
		{name: "bad scheme", url: "ftp://example.com/x.git", check: isURLError, wantMsg: `unsupported protocol "ftp"`},
		{name: "no host", url: "https:///x.git", check: isURLError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := f.url
			if tc.url != "" {
				url = tc.url
			}
			_, err := git.Clone(context.Background(), git.Options{URL: url, Revision: tc.revision, Dir: t.TempDir()})
			if err == nil || !tc.check(err) {
				t.Fatalf("Clone error = %v (%T)", err, err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

func isRevisionNotFound(err error) bool {
	var e *git.RevisionNotFoundError
	return errors.As(err, &e)
}

func isURLError(err error) bool {
	var e *git.URLError
	return errors.As(err, &e)
}
