package http_test

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
	resolverhttp "github.com/slipway-ci/slipway/pkg/resolution/http"
)

const task = "kind: Task\nmetadata:\n  name: build\n"

// fakeSecrets is a SecretGetter holding name → data in namespace "ns".
func fakeSecrets(secrets map[string]map[string]string) resolution.SecretGetter {
	return func(_ context.Context, namespace, name string) (*corev1.Secret, error) {
		data, ok := secrets[name]
		if !ok || namespace != "ns" {
			return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
		}
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Data: map[string][]byte{}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s, nil
	}
}

var testSecrets = fakeSecrets(map[string]map[string]string{
	"pass":  {"password": "s3cret", "other": "s3cret"},
	"wrong": {"password": "wr0ng-pass"},
	"empty": {},
})

// handler serves the fixtures of the tests.
func handler() nethttp.Handler {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/task.yaml", func(w nethttp.ResponseWriter, _ *nethttp.Request) { fmt.Fprint(w, task) })
	mux.HandleFunc("/private.yaml", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			nethttp.Error(w, "who are you", nethttp.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, task)
	})
	mux.HandleFunc("/forbidden", func(w nethttp.ResponseWriter, _ *nethttp.Request) { nethttp.Error(w, "no", nethttp.StatusForbidden) })
	mux.HandleFunc("/error", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		nethttp.Error(w, "oops", nethttp.StatusInternalServerError)
	})
	mux.HandleFunc("/moved", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		nethttp.Redirect(w, r, "/task.yaml", nethttp.StatusFound)
	})
	mux.HandleFunc("/big", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(resolverhttp.MaxSize+1))
		_, _ = w.Write(make([]byte, resolverhttp.MaxSize+1))
	})
	mux.HandleFunc("/big-stream", func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		for range 5 {
			_, _ = w.Write(make([]byte, resolverhttp.MaxSize/4))
			w.(nethttp.Flusher).Flush()
		}
	})
	mux.HandleFunc("/hang", func(_ nethttp.ResponseWriter, r *nethttp.Request) { <-r.Context().Done() })
	return mux
}

func sum256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func sum512(s string) string {
	h := sha512.Sum512([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestFetch(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(handler())
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(handler())
	t.Cleanup(tlsSrv.Close)
	r := resolverhttp.New(testSecrets)
	trusting := resolverhttp.New(testSecrets, resolverhttp.WithHTTPClient(tlsSrv.Client()))
	auth := func(secret string, extra ...string) map[string]string {
		p := map[string]string{"url": plain.URL + "/private.yaml", "http-username": "alice", "http-password-secret": secret}
		for i := 0; i+1 < len(extra); i += 2 {
			p[extra[i]] = extra[i+1]
		}
		return p
	}
	tests := []struct {
		name     string
		resolver *resolverhttp.Resolver
		params   map[string]string
		uri      string // want RefSource.URI (default: the url param)
	}{
		{name: "http", params: map[string]string{"url": plain.URL + "/task.yaml"}},
		{name: "https", resolver: trusting, params: map[string]string{"url": tlsSrv.URL + "/task.yaml"}},
		{name: "redirect", params: map[string]string{"url": plain.URL + "/moved"}},
		{name: "basic auth", params: auth("pass")},
		{name: "basic auth, other key", params: auth("pass", "http-password-secret-key", "other")},
		{name: "credentials in the URL", params: map[string]string{"url": strings.Replace(plain.URL, "http://", "http://alice:s3cret@", 1) + "/private.yaml"}, uri: plain.URL + "/private.yaml"},
		{name: "sha256 digest", params: map[string]string{"url": plain.URL + "/task.yaml", "digest": "sha256:" + sum256(task)}},
		{name: "sha512 digest", params: map[string]string{"url": plain.URL + "/task.yaml", "digest": "sha512:" + sum512(task)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := tc.resolver
			if res == nil {
				res = r
			}
			got, err := resolve(context.Background(), res, tc.params)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			uri := tc.uri
			if uri == "" {
				uri = tc.params["url"]
			}
			want := &resolution.Resolved{Data: []byte(task), RefSource: &v1.RefSource{URI: uri, Digest: map[string]string{"sha256": sum256(task)}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Fetch (-want +got):\n%s", diff)
			}
		})
	}
}

// resolve runs Pin then Fetch, as the Manager does.
func resolve(ctx context.Context, r *resolverhttp.Resolver, params map[string]string) (*resolution.Resolved, error) {
	req := resolution.Request{Resolver: "http", Params: params, Namespace: "ns", Kind: "Task"}
	pin, ok, err := r.Pin(ctx, req)
	if err != nil {
		return nil, err
	}
	if want := params["digest"]; ok != (want != "") || pin != want {
		return nil, fmt.Errorf("Pin = %q, %v; want %q (the digest param, if any)", pin, ok, want)
	}
	return r.Fetch(ctx, req, pin)
}
