package git

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// maxFileSize bounds the file read from a repository; a Task is a few
// KiB, and etcd refuses objects above 1.5 MiB anyway.
const maxFileSize = 4 << 20

// pinRef is where a commit fetched by SHA is stored in the in-memory
// repository.
const pinRef = "refs/slipway/pin"

// session is one Pin or Fetch: checked params, credentials, and the
// values no message may show.
type session struct {
	p       params
	creds   credentials
	secrets []string
}

// lookup lists the remote's refs and finds the revision among them.
func (s *session) lookup(ctx context.Context) (plumbing.ReferenceName, plumbing.Hash, error) {
	remote := gogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{s.p.url}})
	refs, err := remote.ListContext(ctx, &gogit.ListOptions{Auth: s.creds.auth, PeelingOption: gogit.AppendPeeled})
	if err != nil {
		return "", plumbing.ZeroHash, s.classify(ctx, "listing refs of", err)
	}
	ref, commit, ok := match(s.p.revision, refs)
	if !ok {
		return "", plumbing.ZeroHash, s.revisionNotFound()
	}
	return ref, commit, nil
}

func (s *session) revisionNotFound() error {
	return fmt.Errorf("revision %q %w in %s", s.p.revision, resolution.ErrNotFound, s.p.public)
}

// match finds revision among refs the way git does for a short name
// (refs/<rev>, then refs/tags/<rev>, then refs/heads/<rev>), or as a full
// ref name or HEAD. It returns the ref and its commit, peeling annotated
// tags with the listing's "^{}" entries.
func match(revision string, refs []*plumbing.Reference) (plumbing.ReferenceName, plumbing.Hash, bool) {
	byName := make(map[plumbing.ReferenceName]*plumbing.Reference, len(refs))
	for _, r := range refs {
		byName[r.Name()] = r
	}
	candidates := []string{revision}
	if revision != "HEAD" && !strings.HasPrefix(revision, "refs/") {
		candidates = []string{"refs/" + revision, "refs/tags/" + revision, "refs/heads/" + revision}
	}
	for _, c := range candidates {
		ref, ok := byName[plumbing.ReferenceName(c)]
		if ok && ref.Type() == plumbing.SymbolicReference {
			ref, ok = byName[ref.Target()]
		}
		if !ok {
			continue
		}
		if peeled, ok := byName[ref.Name()+"^{}"]; ok {
			return ref.Name(), peeled.Hash(), true
		}
		return ref.Name(), ref.Hash(), true
	}
	return "", plumbing.ZeroHash, false
}

// commit fetches the commit want (when zero: the one the revision names
// now). A branch or tag whose tip is want is cloned shallow; an older
// commit, another ref, or a SHA revision is fetched by SHA.
func (s *session) commit(ctx context.Context, want plumbing.Hash) (*object.Commit, error) {
	if !s.p.isSHA() {
		ref, tip, err := s.lookup(ctx)
		if err != nil {
			return nil, err
		}
		if want.IsZero() {
			want = tip
		}
		if tip == want && clonable(ref) {
			c, err := s.cloneRef(ctx, ref)
			if err != nil || c.Hash == want {
				return c, err
			}
			// The ref moved between listing and cloning.
		}
	}
	return s.fetchCommit(ctx, want)
}

// clonable reports whether go-git can clone ref alone; other refs
// (refs/pull/1/head) are fetched by SHA.
func clonable(ref plumbing.ReferenceName) bool {
	return ref.IsBranch() || ref.IsTag() || ref == plumbing.HEAD
}

// cloneRef clones one branch or tag at depth 1 and returns its commit.
func (s *session) cloneRef(ctx context.Context, ref plumbing.ReferenceName) (*object.Commit, error) {
	repo, err := gogit.CloneContext(ctx, memory.NewStorage(), nil, &gogit.CloneOptions{
		URL:           s.p.url,
		Auth:          s.creds.auth,
		ReferenceName: ref,
		SingleBranch:  true,
		Depth:         1,
		Tags:          gogit.NoTags,
	})
	if err != nil {
		return nil, s.classify(ctx, "cloning", err)
	}
	head, err := repo.Head()
	if err != nil {
		return nil, fmt.Errorf("reading HEAD of the clone of %s: %w", s.p.public, err)
	}
	return peel(repo, head.Hash())
}

// fetchCommit fetches want by its SHA, at depth 1; when the server cannot
// send a commit by SHA, it fetches all branches and tags (and the
// revision, when it is a full ref name) and looks the commit up.
func (s *session) fetchCommit(ctx context.Context, want plumbing.Hash) (*object.Commit, error) {
	repo, err := gogit.Init(memory.NewStorage(), nil)
	if err != nil {
		return nil, fmt.Errorf("creating an in-memory repository: %w", err)
	}
	remote, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{s.p.url}})
	if err != nil {
		return nil, fmt.Errorf("adding remote %s: %w", s.p.public, err)
	}
	err = s.fetch(ctx, remote, 1, config.RefSpec(want.String()+":"+pinRef))
	if shaRefused(err) {
		err = s.fetch(ctx, remote, 0, s.allRefs()...)
	}
	if err != nil {
		return nil, s.classify(ctx, "fetching from", err)
	}
	c, err := repo.CommitObject(want)
	if err != nil {
		if s.p.isSHA() {
			return nil, s.revisionNotFound()
		}
		return nil, fmt.Errorf("commit %s %w in %s", want, resolution.ErrNotFound, s.p.public)
	}
	return c, nil
}

func (s *session) fetch(ctx context.Context, remote *gogit.Remote, depth int, specs ...config.RefSpec) error {
	err := remote.FetchContext(ctx, &gogit.FetchOptions{
		RefSpecs: specs,
		Depth:    depth,
		Auth:     s.creds.auth,
		Tags:     gogit.NoTags,
		Force:    true,
	})
	if errors.Is(err, gogit.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

func (s *session) allRefs() []config.RefSpec {
	specs := []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}
	rev := s.p.revision
	if strings.HasPrefix(rev, "refs/") && !strings.HasPrefix(rev, "refs/heads/") && !strings.HasPrefix(rev, "refs/tags/") {
		specs = append(specs, config.RefSpec("+"+rev+":"+rev))
	}
	return specs
}

// shaRefused reports whether the server would not send a commit by SHA:
// it does not advertise it can, or refuses an object it did not
// advertise ("not our ref", which an unknown SHA also gets).
func shaRefused(err error) bool {
	return errors.Is(err, gogit.ErrExactSHA1NotSupported) ||
		(err != nil && strings.Contains(err.Error(), "not our ref"))
}

// peel turns a tag object into the commit it points to.
func peel(repo *gogit.Repository, h plumbing.Hash) (*object.Commit, error) {
	for range 10 {
		tag, err := repo.TagObject(h)
		if err != nil {
			break
		}
		h = tag.Target
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("object %s is not a commit: %w", h, err)
	}
	return c, nil
}

// readFile reads pathInRepo from the commit's tree.
func (s *session) readFile(c *object.Commit) ([]byte, error) {
	where := fmt.Sprintf("at commit %s of %s", c.Hash, s.p.public)
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree %s: %w", where, err)
	}
	entry, err := tree.FindEntry(s.p.path)
	if err != nil {
		return nil, fmt.Errorf("file %q %w %s", s.p.path, resolution.ErrNotFound, where)
	}
	if entry.Mode == filemode.Symlink || !entry.Mode.IsFile() {
		return nil, fmt.Errorf("%q %s is a %s, not a file: %w", s.p.path, where, kindOf(entry.Mode), resolution.ErrNotFound)
	}
	f, err := tree.TreeEntryFile(entry)
	if err != nil {
		return nil, fmt.Errorf("reading %q %s: %w", s.p.path, where, err)
	}
	if f.Size > maxFileSize {
		return nil, fmt.Errorf("file %q %s has %d bytes, more than the limit of %d", s.p.path, where, f.Size, maxFileSize)
	}
	data, err := f.Contents()
	if err != nil {
		return nil, fmt.Errorf("reading %q %s: %w", s.p.path, where, err)
	}
	return []byte(data), nil
}

func kindOf(m filemode.FileMode) string {
	switch m {
	case filemode.Dir:
		return "directory"
	case filemode.Symlink:
		return "symbolic link"
	case filemode.Submodule:
		return "submodule"
	}
	return m.String()
}
