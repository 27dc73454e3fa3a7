package gitserver

import (
	"net/http/httptest"
	"testing"
)

// Start serves root on a fresh 127.0.0.1 port for the duration of the test
// and returns the base URL (no trailing slash). It skips the test when the
// git binary is missing.
func Start(tb testing.TB, root string, opts ...Option) string {
	tb.Helper()
	s, err := New(root, opts...)
	if err != nil {
		tb.Skipf("git server unavailable: %v", err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ts.URL
}
