package git

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Options says what to clone and where.
type Options struct {
	// URL is the repository: http(s)://, ssh://, git://, file:// or the
	// scp-like user@host:path form.
	URL string
	// Revision is a branch, tag, full or abbreviated commit SHA, or a ref
	// name such as refs/pull/1/head. Empty means the remote's HEAD.
	Revision string
	// Refspecs are fetched in addition to Revision (Tekton's refspec param),
	// e.g. "refs/tags/v1:refs/tags/v1".
	Refspecs []string
	// Depth limits history to that many commits; 0 fetches all of it.
	Depth int
	// Submodules initializes and updates submodules recursively.
	Submodules bool
	// Dir is the directory to clone into; it is created when missing.
	Dir string
	// DeleteExisting empties Dir (but keeps Dir itself, which may be a
	// mount point) before cloning.
	DeleteExisting bool
	// InsecureSkipTLS disables TLS certificate checks (Tekton's
	// sslVerify=false).
	InsecureSkipTLS bool
	// Credentials are used for the clone and its submodules.
	Credentials Credentials
}

// Credentials are the places credentials may come from. The first one that
// matches the URL wins, in this order: BasicAuthDirs, SSHDirs, Secrets.
// Credentials embedded in the URL are used as given.
type Credentials struct {
	// BasicAuthDirs hold .git-credentials (lines such as
	// https://user:token@host) and optionally .gitconfig
	// ([credential "https://host"] username = ...), like the basic-auth
	// workspace of Tekton's git-clone task, or a HOME prepared by Tekton's
	// creds-init.
	BasicAuthDirs []string
	// SSHDirs hold a private key (id_ed25519, id_ecdsa or id_rsa, or the
	// IdentityFile that the directory's ssh config names for the host) and
	// optionally known_hosts, like the ssh-directory workspace or the
	// ~/.ssh that creds-init writes. Without known_hosts the host key is
	// not checked.
	SSHDirs []string
	// Secrets are mounted ServiceAccount secrets.
	Secrets []Secret
}

// SecretKind is the type of a mounted Kubernetes secret.
type SecretKind string

const (
	// BasicAuthSecret is a kubernetes.io/basic-auth secret: files
	// "username" and "password".
	BasicAuthSecret SecretKind = "basic"
	// SSHAuthSecret is a kubernetes.io/ssh-auth secret: file
	// "ssh-privatekey" and optionally "known_hosts".
	SSHAuthSecret SecretKind = "ssh"
)

// Secret is a ServiceAccount secret mounted as a directory, as Tekton does
// under /tekton/creds-secrets/<name> for secrets annotated
// tekton.dev/git-N: <match>.
type Secret struct {
	Kind SecretKind
	// Dir is where the secret's keys are mounted as files.
	Dir string
	// Match is the annotation value: a URL prefix such as
	// https://github.com for basic auth, a host[:port] such as github.com
	// for SSH. Empty matches every URL of the secret's kind.
	Match string
}

// DefaultSecretsDir is where Tekton mounts ServiceAccount secrets.
const DefaultSecretsDir = "/tekton/creds-secrets"

// ParseSecret parses the value of a Tekton-style -basic-git or -ssh-git
// flag, "<secret>=<match>". A relative secret name is a directory under
// base.
func ParseSecret(kind SecretKind, value, base string) (Secret, error) {
	if kind != BasicAuthSecret && kind != SSHAuthSecret {
		return Secret{}, fmt.Errorf("unknown secret kind %q (want %q or %q)", kind, BasicAuthSecret, SSHAuthSecret)
	}
	name, match, ok := strings.Cut(value, "=")
	if !ok || name == "" || match == "" {
		return Secret{}, fmt.Errorf("secret %q: want <secret-name>=<url or host>", value)
	}
	dir := name
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(base, name)
	}
	return Secret{Kind: kind, Dir: dir, Match: match}, nil
}

// Result describes what was checked out.
type Result struct {
	// Commit is the full SHA of the checked-out commit.
	Commit string
	// URL is the cloned URL with any password removed.
	URL string
	// CommitterDate is the commit's committer time in Unix seconds.
	CommitterDate int64
}

func (o Options) validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("no target directory"))
	}
	if o.Depth < 0 {
		errs = append(errs, fmt.Errorf("depth %d is negative", o.Depth))
	}
	for _, s := range o.Credentials.Secrets {
		if s.Kind != BasicAuthSecret && s.Kind != SSHAuthSecret {
			errs = append(errs, fmt.Errorf("secret %s: unknown kind %q", s.Dir, s.Kind))
		}
	}
	return errors.Join(errs...)
}
