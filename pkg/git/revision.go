package git

import (
	"strings"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// fetchKind is how a revision is fetched.
type fetchKind int

const (
	// fetchRef fetches one named ref.
	fetchRef fetchKind = iota
	// fetchSHA fetches a full commit SHA directly (needs server support).
	fetchSHA
	// fetchAll fetches all branches and tags, then looks the revision up
	// locally (abbreviated SHAs, or servers that cannot fetch by SHA).
	fetchAll
)

// fetchPlan is what to fetch for a revision; planFetch is pure.
type fetchPlan struct {
	kind fetchKind
	// ref is the remote ref to fetch (fetchRef).
	ref plumbing.ReferenceName
	// hash is the full SHA to fetch (fetchSHA).
	hash plumbing.Hash
	// prefix is the abbreviated SHA to resolve (fetchAll).
	prefix string
}

// allRefSpecs fetch every branch and tag.
var allRefSpecs = []config.RefSpec{
	"+refs/heads/*:refs/remotes/origin/*",
	"+refs/tags/*:refs/tags/*",
}

// planFetch decides how to fetch revision given the remote's advertised
// refs. ok is false when the revision cannot exist on the remote.
// Short names are tried the way git does: exact ref, refs/, tags, heads.
func planFetch(revision string, refs []*plumbing.Reference) (fetchPlan, bool) {
	byName := make(map[plumbing.ReferenceName]*plumbing.Reference, len(refs))
	for _, r := range refs {
		byName[r.Name()] = r
	}
	if revision == "" || revision == "HEAD" {
		return headPlan(byName)
	}
	for _, name := range candidateNames(revision) {
		if _, ok := byName[name]; ok {
			return fetchPlan{kind: fetchRef, ref: name}, true
		}
	}
	if isHex(revision) && len(revision) >= 4 {
		if r := refWithHashPrefix(refs, strings.ToLower(revision)); r != nil {
			return fetchPlan{kind: fetchRef, ref: r.Name()}, true
		}
	}
	if isHex(revision) && len(revision) == 40 {
		return fetchPlan{kind: fetchSHA, hash: plumbing.NewHash(revision)}, true
	}
	if isHex(revision) && len(revision) >= 4 {
		return fetchPlan{kind: fetchAll, prefix: strings.ToLower(revision)}, true
	}
	if strings.HasPrefix(revision, "refs/") {
		// Not advertised, but servers may still serve it (hidden refs).
		return fetchPlan{kind: fetchRef, ref: plumbing.ReferenceName(revision)}, true
	}
	return fetchPlan{}, false
}

func headPlan(byName map[plumbing.ReferenceName]*plumbing.Reference) (fetchPlan, bool) {
	head, ok := byName[plumbing.HEAD]
	if !ok {
		return fetchPlan{}, false
	}
	if head.Type() == plumbing.SymbolicReference {
		return fetchPlan{kind: fetchRef, ref: head.Target()}, true
	}
	// No symref: pick the branch HEAD points at, else fetch HEAD itself.
	for name, r := range byName {
		if name.IsBranch() && r.Hash() == head.Hash() {
			return fetchPlan{kind: fetchRef, ref: name}, true
		}
	}
	return fetchPlan{kind: fetchRef, ref: plumbing.HEAD}, true
}

// refWithHashPrefix finds an advertised branch or tag (not HEAD, whose
// name says nothing) pointing at a commit whose SHA starts with prefix.
func refWithHashPrefix(refs []*plumbing.Reference, prefix string) *plumbing.Reference {
	for _, r := range refs {
		if r.Type() == plumbing.HashReference && r.Name() != plumbing.HEAD && strings.HasPrefix(r.Hash().String(), prefix) {
			return r
		}
	}
	return nil
}

func candidateNames(rev string) []plumbing.ReferenceName {
	return []plumbing.ReferenceName{
		plumbing.ReferenceName(rev),
		plumbing.ReferenceName("refs/" + rev),
		plumbing.NewTagReferenceName(rev),
		plumbing.NewBranchReferenceName(rev),
	}
}

// localName is where a fetched remote ref is stored: branches under
// refs/remotes/origin, everything else under its own name.
func localName(remote plumbing.ReferenceName) plumbing.ReferenceName {
	if remote.IsBranch() {
		return plumbing.NewRemoteReferenceName("origin", remote.Short())
	}
	if remote == plumbing.HEAD {
		return "refs/remotes/origin/HEAD"
	}
	return remote
}

// refSpecs are the refspecs that carry out the plan.
func (p fetchPlan) refSpecs() []config.RefSpec {
	switch p.kind {
	case fetchRef:
		return []config.RefSpec{config.RefSpec("+" + p.ref.String() + ":" + localName(p.ref).String())}
	case fetchSHA:
		return []config.RefSpec{config.RefSpec(p.hash.String() + ":refs/slipway/revision")}
	}
	return allRefSpecs
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return s != ""
}
