// Package failure holds the one user-error type of Slipway's reconcilers:
// a failure the user must fix, with the Tekton reason the run's Succeeded
// condition reports. Only reconcilers classify errors (house style §3);
// anything that is not a UserError is retried.
package failure

import (
	"errors"
	"fmt"
)

// UserError fails the run with Reason and its message.
type UserError struct {
	Reason string
	Err    error
}

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// User returns a UserError wrapping err.
func User(reason string, err error) *UserError {
	return &UserError{Reason: reason, Err: err}
}

// Userf returns a UserError with a formatted message.
func Userf(reason, format string, args ...any) *UserError {
	return &UserError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// AsUser returns the UserError in err's chain, if any.
func AsUser(err error) (*UserError, bool) {
	var ue *UserError
	ok := errors.As(err, &ue)
	return ue, ok
}

// Pending stops a pass while something the run waits for happens in the
// background (a remote ref resolving); the run's Succeeded condition stays
// Unknown with Reason and Message, and the run is enqueued again when it
// ends.
type Pending struct {
	Reason, Message string
}

func (e *Pending) Error() string { return e.Message }

// AsPending returns the Pending in err's chain, if any.
func AsPending(err error) (*Pending, bool) {
	var p *Pending
	ok := errors.As(err, &p)
	return p, ok
}
