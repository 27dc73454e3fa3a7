package digest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// MismatchError reports that the registry serves a different digest for the
// pushed reference than the one kaniko wrote.
type MismatchError struct {
	Ref      string
	Kaniko   v1.Hash
	Registry v1.Hash
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("registry serves %s for %s but kaniko wrote %s to its digest file: "+
		"the push was overwritten or did not complete", e.Registry, e.Ref, e.Kaniko)
}

// ErrEmptyDigestFile means kaniko wrote no digest (usually --no-push).
var ErrEmptyDigestFile = errors.New("digest file is empty (was the image pushed? --no-push writes no digest)")

// VerifyOptions are the inputs of Verify.
type VerifyOptions struct {
	// Image is the reference kaniko pushed (its --destination).
	Image string
	// DigestFile is kaniko's --digest-file.
	DigestFile string
	// DigestResult and URLResult, when set, receive the verified digest
	// and Image (Tekton result files).
	DigestResult string
	URLResult    string
	// TLS says which registries may be reached over plain HTTP or without
	// certificate checks (from kaniko's own flags, see ParseKanikoArgs).
	TLS TLS
	// Keychain resolves credentials; nil means authn.DefaultKeychain
	// (DOCKER_CONFIG/config.json).
	Keychain authn.Keychain
	// Transport options for tests; nil uses the defaults.
	RemoteOptions []remote.Option
}

// Verify reads kaniko's digest file, asks the registry for the digest of
// Image and fails with a MismatchError when they differ. On success it
// writes the result files and returns the digest.
func Verify(ctx context.Context, o VerifyOptions) (v1.Hash, error) {
	want, err := ReadDigestFile(o.DigestFile)
	if err != nil {
		return v1.Hash{}, err
	}
	ref, err := name.ParseReference(o.Image, o.TLS.nameOptions(o.Image)...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("parsing image reference %q: %w", o.Image, err)
	}
	got, err := registryDigest(ctx, ref, o)
	if err != nil {
		return v1.Hash{}, err
	}
	if got != want {
		return v1.Hash{}, &MismatchError{Ref: ref.String(), Kaniko: want, Registry: got}
	}
	if err := writeResult(o.DigestResult, want.String()); err != nil {
		return v1.Hash{}, err
	}
	if err := writeResult(o.URLResult, o.Image); err != nil {
		return v1.Hash{}, err
	}
	return want, nil
}

// ReadDigestFile parses a file holding one "sha256:<hex>" digest.
func ReadDigestFile(path string) (v1.Hash, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading kaniko's digest file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return v1.Hash{}, fmt.Errorf("%s: %w", path, ErrEmptyDigestFile)
	}
	h, err := v1.NewHash(s)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("digest file %s: %w", path, err)
	}
	return h, nil
}

// registryDigest is the digest the registry serves for ref (a HEAD request;
// registries answer it with Docker-Content-Digest).
func registryDigest(ctx context.Context, ref name.Reference, o VerifyOptions) (v1.Hash, error) {
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}, o.RemoteOptions...)
	if o.TLS.skipVerify(ref.Context().RegistryStr()) {
		opts = append(opts, remote.WithTransport(insecureTransport()))
	}
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("asking the registry for the digest of %s: %w", ref, err)
	}
	return desc.Digest, nil
}

func writeResult(path, value string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing result %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("writing result %s: %w", path, err)
	}
	return nil
}
