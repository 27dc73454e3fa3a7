package gitserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Epoch is the committer date of a fixture repository's first commit; each
// later commit is one minute later, so results are predictable.
var Epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Repo is a fixture repository with a work tree, built with go-git.
type Repo struct {
	// Dir is the work tree; the repository is Dir/.git.
	Dir     string
	repo    *git.Repository
	commits int
}

// Init creates an empty repository in dir whose HEAD points to main.
func Init(dir string) (*Repo, error) {
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return nil, fmt.Errorf("initializing repository %s: %w", dir, err)
	}
	return &Repo{Dir: dir, repo: r}, nil
}

// Open opens an existing fixture repository, e.g. to add a commit later.
func Open(dir string) (*Repo, error) {
	r, err := git.PlainOpen(dir)
	if err != nil {
		return nil, fmt.Errorf("opening repository %s: %w", dir, err)
	}
	n := 0
	if head, err := r.Head(); err == nil {
		if iter, err := r.Log(&git.LogOptions{From: head.Hash()}); err == nil {
			_ = iter.ForEach(func(*object.Commit) error { n++; return nil })
		}
	}
	return &Repo{Dir: dir, repo: r, commits: n}, nil
}

// Commit writes files (path → content) into the work tree, stages them and
// commits on the current branch. It returns the commit SHA.
func (r *Repo) Commit(msg string, files map[string]string) (string, error) {
	wt, err := r.repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("opening work tree: %w", err)
	}
	for name, content := range files {
		if err := writeFile(filepath.Join(r.Dir, name), content); err != nil {
			return "", err
		}
		if _, err := wt.Add(name); err != nil {
			return "", fmt.Errorf("staging %s: %w", name, err)
		}
	}
	return r.commit(wt, msg)
}

func (r *Repo) commit(wt *git.Worktree, msg string) (string, error) {
	sig := &object.Signature{
		Name:  "Slipway Test",
		Email: "test@slipway.invalid",
		When:  Epoch.Add(time.Duration(r.commits) * time.Minute),
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		return "", fmt.Errorf("committing %q: %w", msg, err)
	}
	r.commits++
	return h.String(), nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating directory for %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// SetRef points ref (a full name such as refs/pull/1/head, or a branch
// name) at sha. Moving the current branch also resets the work tree.
func (r *Repo) SetRef(ref, sha string) error {
	name := plumbing.ReferenceName(ref)
	if !strings.HasPrefix(ref, "refs/") {
		name = plumbing.NewBranchReferenceName(ref)
	}
	h, err := r.resolve(sha)
	if err != nil {
		return err
	}
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(name, h)); err != nil {
		return fmt.Errorf("setting %s: %w", name, err)
	}
	head, err := r.repo.Head()
	if err != nil || head.Name() != name {
		return nil
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("opening work tree: %w", err)
	}
	return wt.Reset(&git.ResetOptions{Commit: h, Mode: git.HardReset})
}

// Tag creates a lightweight tag, or an annotated one when msg is not empty.
func (r *Repo) Tag(name, sha, msg string) error {
	h, err := r.resolve(sha)
	if err != nil {
		return err
	}
	var opts *git.CreateTagOptions
	if msg != "" {
		opts = &git.CreateTagOptions{Message: msg, Tagger: &object.Signature{Name: "Slipway Test", Email: "test@slipway.invalid", When: Epoch}}
	}
	if _, err := r.repo.CreateTag(name, h, opts); err != nil {
		return fmt.Errorf("creating tag %s: %w", name, err)
	}
	return nil
}

// Checkout switches the work tree to branch, creating it at the current
// HEAD when it does not exist yet.
func (r *Repo) Checkout(branch string) error {
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("opening work tree: %w", err)
	}
	name := plumbing.NewBranchReferenceName(branch)
	_, err = r.repo.Reference(name, false)
	create := errors.Is(err, plumbing.ErrReferenceNotFound)
	if err := wt.Checkout(&git.CheckoutOptions{Branch: name, Create: create}); err != nil {
		return fmt.Errorf("checking out %s: %w", branch, err)
	}
	return nil
}

// AddSubmodule records a submodule at path pointing to url at commit sha
// (a .gitmodules entry plus a gitlink) and commits it.
func (r *Repo) AddSubmodule(path, url, sha string) (string, error) {
	modules := fmt.Sprintf("[submodule %q]\n\tpath = %s\n\turl = %s\n", path, path, url)
	if err := writeFile(filepath.Join(r.Dir, ".gitmodules"), modules); err != nil {
		return "", err
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("opening work tree: %w", err)
	}
	if _, err := wt.Add(".gitmodules"); err != nil {
		return "", fmt.Errorf("staging .gitmodules: %w", err)
	}
	idx, err := r.repo.Storer.Index()
	if err != nil {
		return "", fmt.Errorf("reading index: %w", err)
	}
	idx.Entries = append(idx.Entries, &index.Entry{Name: path, Hash: plumbing.NewHash(sha), Mode: filemode.Submodule})
	if err := r.repo.Storer.SetIndex(idx); err != nil {
		return "", fmt.Errorf("writing index: %w", err)
	}
	return r.commit(wt, "add submodule "+path)
}

func (r *Repo) resolve(rev string) (plumbing.Hash, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolving %q: %w", rev, err)
	}
	return *h, nil
}
