package git

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// redacted is an error whose message has the secrets masked; errors.Is
// and As still see the original.
type redacted struct {
	err error
	msg string
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redact masks every secret of s (and its URL-escaped forms) in err.
func (s *session) redact(err error) error {
	msg := strings.TrimSpace(err.Error())
	for _, v := range s.secrets {
		if v == "" {
			continue
		}
		for _, form := range []string{v, url.PathEscape(v), url.QueryEscape(v)} {
			msg = strings.ReplaceAll(msg, form, "xxxxx")
		}
	}
	return &redacted{err: err, msg: msg}
}

// classify wraps an error of go-git talking to the server in the matching
// sentinel: "<action> <url>: <what went wrong>".
func (s *session) classify(ctx context.Context, action string, err error) error {
	cause := innermost(err)
	where := action + " " + s.p.public
	switch {
	case ctx.Err() != nil:
		// The caller's deadline: it says which (and wraps ErrTimeout).
		return fmt.Errorf("%s: %w", where, ctx.Err())
	case errors.Is(cause, context.DeadlineExceeded) || errors.Is(cause, context.Canceled):
		return fmt.Errorf("%s: %w", where, cause)
	case isAuthFailure(cause):
		return fmt.Errorf("%s: %w (%s)", where, resolution.ErrAuth, s.authHint())
	case errors.Is(cause, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%s: repository %w", where, resolution.ErrNotFound)
	case errors.Is(cause, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("%s: repository is empty: %w", where, resolution.ErrNotFound)
	case isUnreachable(cause):
		return fmt.Errorf("%s: host %s %w: %w", where, s.host(), resolution.ErrUnreachable, s.redact(detail(cause)))
	}
	return fmt.Errorf("%s: %w", where, s.redact(err))
}

func (s *session) authHint() string {
	if s.creds.auth == nil && s.p.endpoint.Password == "" {
		return fmt.Sprintf("no credentials: set param %s to a Secret for a private repository", paramGitToken)
	}
	if s.p.secret == "" {
		return "the server refused the credentials of the URL"
	}
	return fmt.Sprintf("the server refused the credentials of %s Secret %q", paramGitToken, s.p.secret)
}

func (s *session) host() string {
	if s.p.endpoint.Port != 0 {
		return fmt.Sprintf("%s:%d", s.p.endpoint.Host, s.p.endpoint.Port)
	}
	return s.p.endpoint.Host
}

// innermost unwraps go-git's UnexpectedError and PermanentError, which
// hide their cause from errors.Is and As.
func innermost(err error) error {
	for range 8 {
		var ue *plumbing.UnexpectedError
		var pe *plumbing.PermanentError
		switch {
		case errors.As(err, &ue):
			err = ue.Err
		case errors.As(err, &pe):
			err = pe.Err
		default:
			return err
		}
	}
	return err
}

// detail drops the *url.Error around a transport error: the message
// names the URL already.
func detail(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isAuthFailure(err error) bool {
	return errors.Is(err, transport.ErrAuthenticationRequired) ||
		errors.Is(err, transport.ErrAuthorizationFailed) ||
		// x/crypto/ssh's refusal has no type.
		strings.Contains(err.Error(), "ssh: unable to authenticate")
}

func isUnreachable(err error) bool {
	var hostKey *hostKeyError
	return resolution.IsNetworkError(err) || errors.As(err, &hostKey)
}
