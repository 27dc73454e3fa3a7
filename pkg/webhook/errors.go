package webhook

import (
	"errors"
	"strings"
)

// joinErrors joins strict-decoding errors into one, in order, "; "-separated.
func joinErrors(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// trimJSON drops a leading "json: " that the decoder adds, so the caller's
// own prefix is not doubled.
func trimJSON(err error) error {
	if s, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return errors.New(s)
	}
	return err
}
