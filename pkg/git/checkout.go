package git

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// resolve finds the commit the plan fetched, peeling annotated tags.
func (s *session) resolve(p fetchPlan) (plumbing.Hash, error) {
	var h plumbing.Hash
	switch p.kind {
	case fetchRef:
		ref, err := s.repo.Reference(localName(p.ref), true)
		if err != nil {
			return plumbing.ZeroHash, s.notFound()
		}
		h = ref.Hash()
	case fetchSHA:
		h = p.hash
	case fetchAll:
		found, err := s.repo.ResolveRevision(plumbing.Revision(p.prefix))
		if err != nil {
			return plumbing.ZeroHash, s.notFound()
		}
		h = *found
	}
	return s.peel(h)
}

// peel turns a tag object into the commit it points to.
func (s *session) peel(h plumbing.Hash) (plumbing.Hash, error) {
	for range 10 {
		tag, err := s.repo.TagObject(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			break
		}
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("reading tag %s: %w", h, err)
		}
		h = tag.Target
	}
	if _, err := s.repo.CommitObject(h); err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return plumbing.ZeroHash, s.notFound()
		}
		return plumbing.ZeroHash, fmt.Errorf("revision %q is not a commit: %w", s.o.Revision, err)
	}
	return h, nil
}

// checkout checks h out detached, updates submodules and builds the Result.
func (s *session) checkout(ctx context.Context, h plumbing.Hash) (Result, error) {
	wt, err := s.repo.Worktree()
	if err != nil {
		return Result{}, fmt.Errorf("opening work tree: %w", err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: h, Force: true}); err != nil {
		return Result{}, fmt.Errorf("checking out %s: %w", h, err)
	}
	if s.o.Submodules {
		if err := s.updateSubmodules(ctx, wt); err != nil {
			return Result{}, err
		}
	}
	c, err := s.repo.CommitObject(h)
	if err != nil {
		return Result{}, fmt.Errorf("reading commit %s: %w", h, err)
	}
	s.log.Debug("checked out")
	return Result{Commit: h.String(), URL: s.url, CommitterDate: c.Committer.When.Unix()}, nil
}

func (s *session) updateSubmodules(ctx context.Context, wt *git.Worktree) error {
	subs, err := wt.Submodules()
	if err != nil {
		return fmt.Errorf("reading submodules: %w", err)
	}
	err = subs.UpdateContext(ctx, &git.SubmoduleUpdateOptions{
		Init:              true,
		RecurseSubmodules: git.DefaultSubmoduleRecursionDepth,
		Auth:              s.auth,
		Depth:             s.o.Depth,
	})
	if err != nil {
		return s.classify("updating submodules of", err)
	}
	return nil
}
