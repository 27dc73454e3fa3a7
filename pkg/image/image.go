package image

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Request says which image to look up and with whose credentials.
type Request struct {
	// Image is the reference as written in the step (tag or digest).
	Image string
	// Namespace, ServiceAccount and PullSecrets select the credentials, as
	// the kubelet would for the pod.
	Namespace      string
	ServiceAccount string
	PullSecrets    []string
	// Mirrors maps a registry host to the host that serves it.
	Mirrors map[string]string
	// Insecure lists registry hosts reached over plain HTTP.
	Insecure []string
}

// Config is what an image's config says about how it runs.
type Config struct {
	// Digest is the digest the reference resolved to (of the index, for a
	// multi-platform image).
	Digest string
	// Entrypoint is the image's ENTRYPOINT.
	Entrypoint []string
	// Cmd is the image's CMD.
	Cmd []string
}

// Resolver looks up image configs.
type Resolver interface {
	// Entrypoint returns the ENTRYPOINT and CMD of req.Image for the
	// resolver's platform (linux and the controller's architecture).
	Entrypoint(ctx context.Context, req Request) (Config, error)
}

// IsPermanent reports whether err will not go away by retrying: a malformed
// reference, a missing image or platform, or credentials that are refused.
func IsPermanent(err error) bool {
	var bad *name.ErrBadName
	if errors.As(err, &bad) || errors.Is(err, ErrNoPlatform) {
		return true
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest:
			return true
		}
	}
	return false
}

// ErrNoPlatform: a multi-platform image has no variant for our platform.
var ErrNoPlatform = errors.New("no matching platform")
