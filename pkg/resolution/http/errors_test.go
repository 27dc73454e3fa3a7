package http_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slipway-ci/slipway/pkg/resolution"
	resolverhttp "github.com/slipway-ci/slipway/pkg/resolution/http"
)

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(handler())
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler())
	t.Cleanup(tlsSrv.Close)
	u := plain.URL
	private := map[string]string{"url": u + "/private.yaml", "http-username": "alice"}
	with := func(base map[string]string, kv ...string) map[string]string {
		p := map[string]string{}
		for k, v := range base {
			p[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	tests := []struct {
		name    string
		params  map[string]string
		want    error
		msg     string // the message contains it
		private string // the message must not contain it
	}{
		{name: "not found", params: map[string]string{"url": u + "/nope.yaml"}, want: resolution.ErrNotFound, msg: "fetching " + u + "/nope.yaml: not found (HTTP 404 Not Found)"},
		{name: "no credentials", params: map[string]string{"url": u + "/private.yaml"}, want: resolution.ErrAuth, msg: "authentication failed (HTTP 401 Unauthorized; no credentials: set params http-username and http-password-secret)"},
		{name: "wrong password", params: with(private, "http-password-secret", "wrong"), want: resolution.ErrAuth, msg: `the server refused user "alice" with the password of http-password-secret Secret "wrong"`, private: "wr0ng-pass"},
		{name: "wrong password in the URL", params: map[string]string{"url": strings.Replace(u, "http://", "http://alice:wr0ng-pass@", 1) + "/private.yaml"}, want: resolution.ErrAuth, msg: "fetching " + u + "/private.yaml: authentication failed (HTTP 401 Unauthorized; the server refused the credentials of the URL)", private: "wr0ng-pass"},
		{name: "forbidden", params: map[string]string{"url": u + "/forbidden"}, want: resolution.ErrAuth, msg: "HTTP 403 Forbidden"},
		{name: "Secret not found", params: with(private, "http-password-secret", "nope"), want: resolution.ErrAuth, msg: `http-password-secret Secret "nope" not found in namespace "ns"`},
		{name: "key not in Secret", params: with(private, "http-password-secret", "empty"), want: resolution.ErrAuth, msg: `key "password" of http-password-secret Secret "empty" is missing or empty`},
		{name: "connection refused", params: map[string]string{"url": "http://127.0.0.1:1/task.yaml"}, want: resolution.ErrUnreachable, msg: "host 127.0.0.1:1 unreachable: dial tcp"},
		{name: "untrusted certificate", params: map[string]string{"url": tlsSrv.URL + "/task.yaml"}, want: resolution.ErrUnreachable, msg: "x509: certificate signed by unknown authority"},
		{name: "digest mismatch", params: map[string]string{"url": u + "/task.yaml", "digest": "sha256:" + sum256("other")}, want: resolution.ErrInvalidParams, msg: "param digest is sha256:" + sum256("other") + " but the content has sha256:" + sum256(task)},
	}
	r := resolverhttp.New(testSecrets)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolve(context.Background(), r, tc.params)
			t.Log(err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tc.msg)
			}
			if tc.private != "" && strings.Contains(err.Error(), tc.private) {
				t.Errorf("error = %q shows a secret", err)
			}
		})
	}
}

// TestFetchFails covers failures without a sentinel: the Manager retries
// them or reports them as they are.
func TestFetchFails(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(handler())
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		path string
		msg  string
	}{
		{name: "server error", path: "/error", msg: "fetching " + srv.URL + "/error: the server answered HTTP 500 Internal Server Error"},
		{name: "too large", path: "/big", msg: "the content has 4194305 bytes, more than the limit of 4194304"},
		{name: "too large, streamed", path: "/big-stream", msg: "the content is larger than the limit of 4194304 bytes"},
	}
	r := resolverhttp.New(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolve(context.Background(), r, map[string]string{"url": srv.URL + tc.path})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %v, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestFetchRespectsDeadline(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(handler())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := resolve(ctx, resolverhttp.New(nil), map[string]string{"url": srv.URL + "/hang"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the deadline", err)
	}
}

func TestParamsRefused(t *testing.T) {
	t.Parallel()
	const u = "https://example.com/task.yaml"
	tests := []struct {
		name   string
		params map[string]string
		msg    string
	}{
		{name: "no url", params: map[string]string{}, msg: "param url is required"},
		{name: "unknown param", params: map[string]string{"url": u, "revision": "main"}, msg: `unknown param "revision"`},
		{name: "ftp", params: map[string]string{"url": "ftp://example.com/t.yaml"}, msg: `scheme "ftp" is not supported`},
		{name: "file", params: map[string]string{"url": "file:///etc/passwd"}, msg: `scheme "file" is not supported`},
		{name: "no host", params: map[string]string{"url": "https:///t.yaml"}, msg: "param url has no host"},
		{name: "not a URL", params: map[string]string{"url": "https://a:s3cret@exa mple.com/%zz"}, msg: "param url is not a URL"},
		{name: "username alone", params: map[string]string{"url": u, "http-username": "alice"}, msg: "params http-username and http-password-secret go together"},
		{name: "secret alone", params: map[string]string{"url": u, "http-password-secret": "pass"}, msg: "go together"},
		{name: "empty username", params: map[string]string{"url": u, "http-username": "", "http-password-secret": "pass"}, msg: "must not be empty"},
		{name: "key alone", params: map[string]string{"url": u, "http-password-secret-key": "k"}, msg: "param http-password-secret-key is set without http-password-secret"},
		{name: "digest algorithm", params: map[string]string{"url": u, "digest": "md5:abc"}, msg: `param digest "md5:abc": want sha256:<hex> or sha512:<hex>`},
		{name: "digest length", params: map[string]string{"url": u, "digest": "sha256:abc"}, msg: "want 64 hexadecimal digits after sha256:"},
	}
	r := resolverhttp.New(testSecrets)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := resolution.Request{Resolver: "http", Params: tc.params, Namespace: "ns"}
			_, _, err := r.Pin(context.Background(), req)
			if !errors.Is(err, resolution.ErrInvalidParams) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Pin error = %v, want ErrInvalidParams containing %q", err, tc.msg)
			}
			if strings.Contains(fmtErr(err), "s3cret") {
				t.Errorf("Pin error = %v shows a secret", err)
			}
			if _, err := r.Fetch(context.Background(), req, ""); !errors.Is(err, resolution.ErrInvalidParams) {
				t.Errorf("Fetch error = %v, want ErrInvalidParams", err)
			}
		})
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
