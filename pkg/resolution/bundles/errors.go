package bundles

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// describe turns an error of reading p's bundle into one that says what
// went wrong, wrapping the matching sentinel; kc is the Secret's keychain,
// nil without a Secret.
func describe(p params, kc authn.Keychain, err error) error {
	ref := p.ref.String()
	var terr *transport.Error
	switch {
	case errors.Is(err, resolution.ErrNotFound), errors.Is(err, resolution.ErrWrongKind),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("bundle %s: %w", ref, err)
	case errors.As(err, &terr) && isAuth(terr):
		return fmt.Errorf("bundle %s: %w (%s); %s", ref, resolution.ErrAuth, answer(terr), authHint(p, kc))
	case errors.As(err, &terr) && isNotFound(terr):
		return fmt.Errorf("bundle %s %w (%s)", ref, resolution.ErrNotFound, answer(terr))
	case errors.As(err, &terr):
		return fmt.Errorf("bundle %s: %s", ref, answer(terr))
	case isNetwork(err):
		host := p.ref.Context().RegistryStr()
		if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			return fmt.Errorf("bundle %s: registry %s %w over HTTPS (a plain-HTTP registry must be listed as insecure): %w",
				ref, host, resolution.ErrUnreachable, err)
		}
		return fmt.Errorf("bundle %s: registry %s %w: %w", ref, host, resolution.ErrUnreachable, err)
	}
	return fmt.Errorf("bundle %s: %w", ref, err)
}

// answer summarizes a registry's error response, without the request URL.
func answer(e *transport.Error) string {
	s := fmt.Sprintf("registry answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	var diags []string
	for _, d := range e.Errors {
		if d.Message == "" {
			diags = append(diags, string(d.Code))
			continue
		}
		diags = append(diags, string(d.Code)+": "+d.Message)
	}
	if len(diags) > 0 {
		s += ": " + strings.Join(diags, "; ")
	}
	return s
}

func isAuth(e *transport.Error) bool {
	if e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden {
		return true
	}
	for _, d := range e.Errors {
		if d.Code == transport.UnauthorizedErrorCode || d.Code == transport.DeniedErrorCode {
			return true
		}
	}
	return false
}

func isNotFound(e *transport.Error) bool {
	if e.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range e.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
			return true
		}
	}
	return false
}

// authHint tells what to do about refused credentials.
func authHint(p params, kc authn.Keychain) string {
	host := p.ref.Context().RegistryStr()
	if kc == nil {
		return fmt.Sprintf("to pull with credentials, name a %s Secret with credentials for %s in param %q",
			corev1.SecretTypeDockerConfigJson, host, ParamSecret)
	}
	if a, err := kc.Resolve(p.ref.Context()); err == nil && a == authn.Anonymous {
		return fmt.Sprintf("pull Secret %q has no credentials for %s", p.secret, host)
	}
	return fmt.Sprintf("the registry refused the credentials of pull Secret %q", p.secret)
}

// isNetwork tells whether err is a failure to reach a host: DNS, a refused
// or reset connection, TLS.
func isNetwork(err error) bool {
	var uerr *url.Error
	return resolution.IsNetworkError(err) || errors.As(err, &uerr)
}
