package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"go.uber.org/zap"
)

// Cloner clones repositories.
type Cloner interface {
	// Clone checks out o.Revision of o.URL into o.Dir.
	Clone(ctx context.Context, o Options) (Result, error)
}

// ClonerOption configures New.
type ClonerOption func(*goGit)

// WithLogger logs the steps of a clone (default: no logging).
func WithLogger(l *zap.Logger) ClonerOption {
	return func(g *goGit) { g.log = l }
}

// New returns a Cloner backed by go-git.
func New(opts ...ClonerOption) Cloner {
	g := &goGit{log: zap.NewNop()}
	for _, o := range opts {
		o(g)
	}
	return g
}

// Clone clones with a default Cloner.
func Clone(ctx context.Context, o Options) (Result, error) {
	return New().Clone(ctx, o)
}

type goGit struct {
	log *zap.Logger
}

var _ Cloner = (*goGit)(nil)

// session is one clone in progress.
type session struct {
	o      Options
	url    string // URL without password, for messages
	auth   transport.AuthMethod
	repo   *git.Repository
	remote *git.Remote
	log    *zap.Logger
}

func (g *goGit) Clone(ctx context.Context, o Options) (Result, error) {
	s, err := g.start(o)
	if err != nil {
		return Result{}, err
	}
	h, err := s.fetchRevision(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := s.fetchExtra(ctx); err != nil {
		return Result{}, err
	}
	return s.checkout(ctx, h)
}

// start validates o, picks credentials and prepares the repository.
func (g *goGit) start(o Options) (*session, error) {
	ep, err := parseURL(o.URL)
	if err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("invalid clone options: %w", err)
	}
	url := redact(o.URL, ep)
	s := &session{o: o, url: url, log: g.log.With(zap.String("url", url))}
	if s.auth, err = authFor(o.Credentials, ep); err != nil {
		return nil, fmt.Errorf("loading credentials for %s: %w", s.url, err)
	}
	if err := prepareDir(o.Dir, o.DeleteExisting); err != nil {
		return nil, err
	}
	if s.repo, s.remote, err = openRepo(o.Dir, o.URL); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareDir creates dir, emptying it first when asked. Dir itself stays
// (it is often a volume mount).
func prepareDir(dir string, deleteExisting bool) error {
	if deleteExisting {
		entries, err := os.ReadDir(dir)
		if err != nil && !isNotExist(err) {
			return fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("deleting existing %s: %w", e.Name(), err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return nil
}

// openRepo initializes (or reuses) the repository in dir and points its
// origin remote at url.
func openRepo(dir, url string) (*git.Repository, *git.Remote, error) {
	repo, err := git.PlainInit(dir, false)
	if errors.Is(err, git.ErrRepositoryAlreadyExists) {
		repo, err = git.PlainOpen(dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("initializing repository in %s: %w", dir, err)
	}
	if err := repo.DeleteRemote("origin"); err != nil && !errors.Is(err, git.ErrRemoteNotFound) {
		return nil, nil, fmt.Errorf("replacing remote origin: %w", err)
	}
	remote, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
	if err != nil {
		return nil, nil, fmt.Errorf("adding remote origin: %w", err)
	}
	return repo, remote, nil
}

// fetchRevision fetches what o.Revision needs and returns its commit.
func (s *session) fetchRevision(ctx context.Context) (plumbing.Hash, error) {
	refs, err := s.remote.ListContext(ctx, &git.ListOptions{Auth: s.auth, InsecureSkipTLS: s.o.InsecureSkipTLS})
	if err != nil {
		return plumbing.ZeroHash, s.classify("listing refs of", err)
	}
	plan, ok := planFetch(s.o.Revision, refs)
	if !ok {
		return plumbing.ZeroHash, s.notFound()
	}
	s.log.Debug("fetching revision", zap.String("revision", s.o.Revision), zap.Strings("refspecs", specStrings(plan.refSpecs())))
	err = s.fetch(ctx, plan.refSpecs(), s.depth(plan))
	if plan.kind == fetchSHA && shaRefused(err) {
		s.log.Debug("server cannot fetch by SHA, fetching all refs")
		plan = fetchPlan{kind: fetchAll, prefix: plan.hash.String()}
		err = s.fetch(ctx, allRefSpecs, 0)
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return s.resolve(plan)
}

// shaRefused reports whether the server would not send a commit by SHA:
// it does not advertise the capability, or it refuses an unadvertised
// object ("not our ref", also what a missing SHA gets).
func shaRefused(err error) bool {
	return errors.Is(err, git.ErrExactSHA1NotSupported) ||
		(err != nil && strings.Contains(err.Error(), "not our ref"))
}

// depth is o.Depth, except that an abbreviated SHA needs full history to
// be found.
func (s *session) depth(p fetchPlan) int {
	if p.kind == fetchAll {
		return 0
	}
	return s.o.Depth
}

func (s *session) fetch(ctx context.Context, specs []config.RefSpec, depth int) error {
	err := s.remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs:        specs,
		Depth:           depth,
		Auth:            s.auth,
		Tags:            git.NoTags,
		Force:           true,
		InsecureSkipTLS: s.o.InsecureSkipTLS,
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	if errors.Is(err, git.ErrExactSHA1NotSupported) {
		return err
	}
	if errors.Is(err, git.NoMatchingRefSpecError{}) {
		return s.notFound()
	}
	return s.classify("fetching from", err)
}

// fetchExtra fetches o.Refspecs.
func (s *session) fetchExtra(ctx context.Context) error {
	if len(s.o.Refspecs) == 0 {
		return nil
	}
	specs := make([]config.RefSpec, 0, len(s.o.Refspecs))
	for _, r := range s.o.Refspecs {
		spec := config.RefSpec(r)
		if !spec.IsExactSHA1() && !spec.IsDelete() && !strings.Contains(r, ":") {
			spec = config.RefSpec(r + ":" + r)
		}
		if err := spec.Validate(); err != nil {
			return fmt.Errorf("refspec %q: %w", r, err)
		}
		specs = append(specs, spec)
	}
	return s.fetch(ctx, specs, s.o.Depth)
}

func (s *session) notFound() error {
	rev := s.o.Revision
	if rev == "" {
		rev = "HEAD"
	}
	return &RevisionNotFoundError{Revision: rev, URL: s.url}
}

func specStrings(specs []config.RefSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.String()
	}
	return out
}
