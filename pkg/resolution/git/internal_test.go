package git

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestMatchHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		patterns []string
		host     string
		want     bool
	}{
		{name: "exact", patterns: []string{"github.com"}, host: "github.com", want: true},
		{name: "other host", patterns: []string{"github.com"}, host: "gitlab.com"},
		{name: "case", patterns: []string{"GitHub.com"}, host: "github.com", want: true},
		{name: "one of several", patterns: []string{"a.example", "b.example"}, host: "b.example", want: true},
		{name: "star", patterns: []string{"*.example.com"}, host: "git.example.com", want: true},
		{name: "star needs the dot", patterns: []string{"*.example.com"}, host: "example.com"},
		{name: "question mark", patterns: []string{"git?.example"}, host: "git1.example", want: true},
		{name: "negated", patterns: []string{"*.example", "!bad.example"}, host: "bad.example"},
		{name: "negated only", patterns: []string{"!bad.example"}, host: "good.example"},
		{name: "port, brackets literal", patterns: []string{"[git.example]:2222"}, host: "[git.example]:2222", want: true},
		{name: "port differs", patterns: []string{"[git.example]:2222"}, host: "git.example"},
		{name: "hashed", patterns: []string{knownhosts.HashHostname("git.example")}, host: "git.example", want: true},
		{name: "hashed other", patterns: []string{knownhosts.HashHostname("git.example")}, host: "other.example"},
		{name: "hashed malformed", patterns: []string{"|1|nope"}, host: "git.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := matchHost(tc.patterns, tc.host); got != tc.want {
				t.Errorf("matchHost(%q, %q) = %v, want %v", tc.patterns, tc.host, got, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	const (
		commit = "1111111111111111111111111111111111111111"
		tagObj = "2222222222222222222222222222222222222222"
		other  = "3333333333333333333333333333333333333333"
	)
	refs := []*plumbing.Reference{
		plumbing.NewSymbolicReference(plumbing.HEAD, "refs/heads/main"),
		plumbing.NewReferenceFromStrings("refs/heads/main", commit),
		plumbing.NewReferenceFromStrings("refs/heads/v1", other),
		plumbing.NewReferenceFromStrings("refs/tags/v1", tagObj),
		plumbing.NewReferenceFromStrings("refs/tags/v1^{}", commit),
		plumbing.NewReferenceFromStrings("refs/pull/1/head", other),
	}
	tests := []struct {
		rev    string
		ref    plumbing.ReferenceName
		commit string
	}{
		{rev: "main", ref: "refs/heads/main", commit: commit},
		{rev: "HEAD", ref: "refs/heads/main", commit: commit},
		{rev: "v1", ref: "refs/tags/v1", commit: commit}, // the tag wins, peeled
		{rev: "refs/heads/v1", ref: "refs/heads/v1", commit: other},
		{rev: "pull/1/head", ref: "refs/pull/1/head", commit: other},
		{rev: "refs/pull/1/head", ref: "refs/pull/1/head", commit: other},
		{rev: "nope"},
		{rev: "heads/nope"},
	}
	for _, tc := range tests {
		t.Run(tc.rev, func(t *testing.T) {
			t.Parallel()
			ref, h, ok := match(tc.rev, refs)
			if ok != (tc.ref != "") || ref != tc.ref || (ok && h.String() != tc.commit) {
				t.Errorf("match(%q) = %s %s %v, want %s %s", tc.rev, ref, h, ok, tc.ref, tc.commit)
			}
		})
	}
}

func TestPublicURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{in: "https://github.com/tektoncd/catalog.git", want: "https://github.com/tektoncd/catalog.git"},
		{in: "https://alice:s3cret@example.com/r.git", want: "https://example.com/r.git"},
		{in: "https://ghp_token@example.com/r.git", want: "https://example.com/r.git"},
		{in: "ssh://git@example.com:2222/r.git", want: "ssh://git@example.com:2222/r.git"},
		{in: "ssh://git:pw@example.com/r.git", want: "ssh://git@example.com/r.git"},
		{in: "git@github.com:tektoncd/catalog.git", want: "git@github.com:tektoncd/catalog.git"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			ep, err := transport.NewEndpoint(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := publicURL(tc.in, ep); got != tc.want {
				t.Errorf("publicURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
