package git

import (
	"errors"
	"fmt"
)

// ErrRepositoryNotFound means the server has no repository at the URL (or
// hides it from these credentials).
var ErrRepositoryNotFound = errors.New("repository not found")

// ErrEmptyRepository means the repository has no commits.
var ErrEmptyRepository = errors.New("repository is empty")

// URLError is a URL that cannot be cloned.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string {
	return fmt.Sprintf("invalid git URL %q: %s", e.URL, e.Reason)
}

// RevisionNotFoundError is a revision the repository does not have.
type RevisionNotFoundError struct {
	Revision string
	URL      string
}

func (e *RevisionNotFoundError) Error() string {
	return fmt.Sprintf("revision %q not found in %s", e.Revision, e.URL)
}

// AuthError is a server refusing the credentials (or their absence).
type AuthError struct {
	URL string
	// HadCredentials says whether any credentials were sent.
	HadCredentials bool
	Err            error
}

func (e *AuthError) Error() string {
	if !e.HadCredentials {
		return fmt.Sprintf("authentication required for %s and no matching credentials were found (basic-auth or ssh-directory workspace, or a ServiceAccount secret annotated tekton.dev/git-N): %v", e.URL, e.Err)
	}
	return fmt.Sprintf("authentication failed for %s: %v", e.URL, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }
