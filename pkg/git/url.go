package git

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// protocols are the URL schemes go-git can clone from.
var protocols = map[string]bool{"http": true, "https": true, "ssh": true, "git": true, "file": true}

// parseURL checks that raw is a URL go-git can clone.
func parseURL(raw string) (*transport.Endpoint, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, &URLError{URL: raw, Reason: "empty"}
	}
	if strings.TrimSpace(raw) != raw {
		return nil, &URLError{URL: raw, Reason: "leading or trailing white space"}
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return nil, &URLError{URL: raw, Reason: err.Error()}
	}
	if !protocols[ep.Protocol] {
		return nil, &URLError{URL: raw, Reason: fmt.Sprintf("unsupported protocol %q (want http, https, ssh, git or file)", ep.Protocol)}
	}
	if ep.Protocol != "file" && ep.Host == "" {
		return nil, &URLError{URL: raw, Reason: "no host"}
	}
	return ep, nil
}

// redact is raw as given, unless it holds a password, which is masked.
func redact(raw string, ep *transport.Endpoint) string {
	if ep.Password == "" {
		return raw
	}
	e := *ep
	e.Password = "xxxxx"
	return e.String()
}

// classify wraps a transport error into this package's typed errors.
func (s *session) classify(action string, err error) error {
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		isSSHAuthFailure(err):
		return &AuthError{URL: s.url, HadCredentials: s.auth != nil || s.hasURLCredentials(), Err: err}
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s %s: %w", action, s.url, ErrRepositoryNotFound)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("%s %s: %w", action, s.url, ErrEmptyRepository)
	}
	return fmt.Errorf("%s %s: %w", action, s.url, err)
}

func (s *session) hasURLCredentials() bool {
	u, err := url.Parse(s.o.URL)
	return err == nil && u.User != nil
}

// isSSHAuthFailure spots x/crypto/ssh's handshake error, which has no type.
func isSSHAuthFailure(err error) bool {
	return strings.Contains(err.Error(), "ssh: unable to authenticate")
}
