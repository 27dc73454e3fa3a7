package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseManifestPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, repo, ref string
		ok              bool
	}{
		{"/v2/library/alpine/manifests/3.18", "library/alpine", "3.18", true},
		{"/v2/busybox/manifests/sha256:abc", "busybox", "sha256:abc", true},
		{"/v2/a/b/c/manifests/latest", "a/b/c", "latest", true},
		{"/v2/library/alpine/blobs/sha256:abc", "", "", false},
		{"/v2/", "", "", false},
		{"/v2/x/manifests/", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			repo, ref, ok := parseManifestPath(tc.path)
			if diff := cmp.Diff([]any{tc.repo, tc.ref, tc.ok}, []any{repo, ref, ok}); diff != "" {
				t.Errorf("parseManifestPath(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

const manifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
	`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,` +
	`"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}`

func put(t *testing.T, h http.Handler, path string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPut, path, bytes.NewReader([]byte(manifest)))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("PUT %s: HTTP %d %s", path, rec.Code, rec.Body)
	}
}

func get(h http.Handler, path string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}

// TestAliasesAndJournal pushes the base image, restarts the registry from its
// directory and checks that alias tags resolve while other names do not.
func TestAliasesAndJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := newHandler(dir, "slipway/base:latest")
	if err != nil {
		t.Fatal(err)
	}
	// The config blob must exist before its manifest is accepted.
	blob := httptest.NewRequest(http.MethodPost, "/v2/slipway/base/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", bytes.NewReader([]byte("{}")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, blob)
	if rec.Code != http.StatusCreated {
		t.Fatalf("blob upload: HTTP %d %s", rec.Code, rec.Body)
	}
	put(t, h, "/v2/slipway/base/manifests/latest")

	restarted, err := newHandler(filepath.Clean(dir), "slipway/base:latest")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/v2/slipway/base/manifests/latest", http.StatusOK},
		{"/v2/library/alpine/manifests/3.18", http.StatusOK},
		{"/v2/ubuntu/manifests/22.04", http.StatusOK},
		{"/v2/library/bash/manifests/5.2", http.StatusOK},
		{"/v2/busybox/manifests/latest", http.StatusOK},
		{"/v2/library/golang/manifests/1.22", http.StatusNotFound},
	}
	for _, tc := range tests {
		if got := get(restarted, tc.path); got != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestSplitRepoTag(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"slipway/base", "host:5000/base", ":x", "a:"} {
		if _, _, err := splitRepoTag(bad); err == nil {
			t.Errorf("splitRepoTag(%q): want error", bad)
		}
	}
}

// TestJournalKeepsDeletes deletes a manifest and checks that it stays
// deleted after a restart.
func TestJournalKeepsDeletes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h, err := newHandler(dir, "slipway/base:latest")
	if err != nil {
		t.Fatal(err)
	}
	blob := httptest.NewRequest(http.MethodPost, "/v2/logs/x/blobs/uploads/?digest=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", bytes.NewReader([]byte("{}")))
	h.ServeHTTP(httptest.NewRecorder(), blob)
	put(t, h, "/v2/logs/x/manifests/kept")
	put(t, h, "/v2/logs/x/manifests/gone")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/v2/logs/x/manifests/gone", nil))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("DELETE: HTTP %d %s", rec.Code, rec.Body)
	}
	restarted, err := newHandler(dir, "slipway/base:latest")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/v2/logs/x/manifests/kept": http.StatusOK, "/v2/logs/x/manifests/gone": http.StatusNotFound} {
		if got := get(restarted, path); got != want {
			t.Errorf("GET %s after a restart = %d, want %d", path, got, want)
		}
	}
}
