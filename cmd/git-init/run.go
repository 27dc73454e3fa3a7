package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/slipway-ci/slipway/pkg/git"
)

// flags are git-init's command line.
type flags struct {
	url, revision, refspec, path string
	depth                        int
	submodules, sslVerify        bool
	deleteExisting               bool
	basicAuthDir, sshDir, home   string
	secretsDir                   string
	basicGit, sshGit             multi
	resultCommit, resultURL      string
	resultCommitterDate          string
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func parseFlags(args []string, out io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("git-init", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.url, "url", "", "repository URL (required)")
	fs.StringVar(&f.revision, "revision", "", "branch, tag, commit SHA or ref; empty: the remote's HEAD")
	fs.StringVar(&f.refspec, "refspec", "", "space-separated refspecs to fetch as well")
	fs.StringVar(&f.path, "path", "", "directory to clone into (required)")
	fs.IntVar(&f.depth, "depth", 1, "history depth; 0 fetches everything")
	fs.BoolVar(&f.submodules, "submodules", true, "initialize and fetch submodules")
	fs.BoolVar(&f.sslVerify, "sslVerify", true, "verify the server's TLS certificate")
	fs.BoolVar(&f.deleteExisting, "deleteExisting", false, "empty -path before cloning")
	fs.StringVar(&f.basicAuthDir, "basic-auth-dir", "", "directory with .git-credentials and .gitconfig")
	fs.StringVar(&f.sshDir, "ssh-dir", "", "directory with id_* keys, known_hosts and config")
	fs.StringVar(&f.home, "home", os.Getenv("HOME"), "HOME prepared by creds-init (.git-credentials, .ssh), used after the directories above")
	fs.StringVar(&f.secretsDir, "creds-secrets-dir", git.DefaultSecretsDir, "where secrets named by -basic-git/-ssh-git are mounted")
	fs.Var(&f.basicGit, "basic-git", "<secret>=<url>: basic-auth secret for URLs under <url> (repeatable)")
	fs.Var(&f.sshGit, "ssh-git", "<secret>=<host>: ssh-auth secret for <host> (repeatable)")
	fs.StringVar(&f.resultCommit, "result-commit", "", "file to write the commit SHA to")
	fs.StringVar(&f.resultURL, "result-url", "", "file to write the URL to")
	fs.StringVar(&f.resultCommitterDate, "result-committer-date", "", "file to write the committer date (Unix seconds) to")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return f, nil
}

// options converts the flags into git.Options.
func (f *flags) options() (git.Options, error) {
	if f.url == "" || f.path == "" {
		return git.Options{}, errors.New("-url and -path are required")
	}
	creds, err := f.credentials()
	if err != nil {
		return git.Options{}, err
	}
	return git.Options{
		URL:             f.url,
		Revision:        f.revision,
		Refspecs:        strings.Fields(f.refspec),
		Depth:           f.depth,
		Submodules:      f.submodules,
		Dir:             f.path,
		DeleteExisting:  f.deleteExisting,
		InsecureSkipTLS: !f.sslVerify,
		Credentials:     creds,
	}, nil
}

func (f *flags) credentials() (git.Credentials, error) {
	var c git.Credentials
	for _, d := range []string{f.basicAuthDir, f.home} {
		if d != "" {
			c.BasicAuthDirs = append(c.BasicAuthDirs, d)
		}
	}
	for _, d := range []string{f.sshDir, filepath.Join(f.home, ".ssh")} {
		if d != "" && d != ".ssh" {
			c.SSHDirs = append(c.SSHDirs, d)
		}
	}
	for _, kind := range []struct {
		k    git.SecretKind
		vals []string
	}{{git.BasicAuthSecret, f.basicGit}, {git.SSHAuthSecret, f.sshGit}} {
		for _, v := range kind.vals {
			s, err := git.ParseSecret(kind.k, v, f.secretsDir)
			if err != nil {
				return git.Credentials{}, err
			}
			c.Secrets = append(c.Secrets, s)
		}
	}
	return c, nil
}

// writeResults writes each result to its file, if one was given.
func (f *flags) writeResults(r git.Result) error {
	for _, w := range []struct{ path, value string }{
		{f.resultCommit, r.Commit},
		{f.resultURL, r.URL},
		{f.resultCommitterDate, strconv.FormatInt(r.CommitterDate, 10)},
	} {
		if w.path == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(w.path), 0o755); err != nil {
			return fmt.Errorf("writing result %s: %w", w.path, err)
		}
		if err := os.WriteFile(w.path, []byte(w.value), 0o644); err != nil {
			return fmt.Errorf("writing result %s: %w", w.path, err)
		}
	}
	return nil
}

// Main runs git-init with args, logging to out, and returns the exit code.
func Main(ctx context.Context, args []string, out io.Writer) int {
	log := newLogger(out)
	defer func() { _ = log.Sync() }()
	f, err := parseFlags(args, out)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = Run(ctx, f, log)
	}
	if err != nil {
		log.Error("git-init failed", zap.Error(err))
		return 1
	}
	return 0
}

// Run clones as the flags say and writes the results.
func Run(ctx context.Context, f *flags, log *zap.Logger) error {
	o, err := f.options()
	if err != nil {
		return err
	}
	r, err := git.New(git.WithLogger(log)).Clone(ctx, o)
	if err != nil {
		return err
	}
	log.Info("cloned", zap.String("url", r.URL), zap.String("revision", o.Revision),
		zap.String("commit", r.Commit), zap.Int64("committerDate", r.CommitterDate), zap.String("path", o.Dir))
	return f.writeResults(r)
}

func newLogger(out io.Writer) *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(out), zapcore.InfoLevel)
	return zap.New(core)
}
