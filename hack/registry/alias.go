package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
)

// aliasRepos are the repositories that Tekton examples pull most often. Any
// tag of them that the registry does not hold is served by the base image
// (busybox + bash), which runs the shell scripts such examples contain.
var aliasRepos = map[string]bool{
	"busybox": true, "library/busybox": true,
	"bash": true, "library/bash": true,
	"alpine": true, "library/alpine": true,
	"ubuntu": true, "library/ubuntu": true,
}

// aliasHandler answers manifest reads of alias repositories from the base
// repository when the alias itself has no such manifest. Blobs need no
// rewriting: the registry stores them by digest, whatever the repository.
type aliasHandler struct {
	next     http.Handler
	baseRepo string
	baseTag  string
}

func (a *aliasHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, ref, ok := parseManifestPath(r.URL.Path)
	if !ok || !aliasRepos[repo] || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		a.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	a.next.ServeHTTP(rec, r)
	if rec.Code != http.StatusNotFound {
		copyRecorded(w, rec)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/v2/" + a.baseRepo + "/manifests/" + a.target(ref)
	r2.URL.RawPath = ""
	a.next.ServeHTTP(w, r2)
}

// target keeps a digest (it names content) and maps any tag to the base tag.
func (a *aliasHandler) target(ref string) string {
	if strings.HasPrefix(ref, "sha256:") {
		return ref
	}
	return a.baseTag
}

// parseManifestPath splits /v2/<repo>/manifests/<ref>.
func parseManifestPath(p string) (repo, ref string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v2/")
	if !found {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	repo, ref = rest[:i], rest[i+len("/manifests/"):]
	if ref == "" || strings.Contains(ref, "/") {
		return "", "", false
	}
	return repo, ref, true
}

// splitRepoTag splits "repo:tag"; the tag is required.
func splitRepoTag(s string) (repo, tag string, err error) {
	i := strings.LastIndex(s, ":")
	if i <= 0 || i == len(s)-1 || strings.Contains(s[i:], "/") {
		return "", "", fmt.Errorf("base %q: want repository:tag", s)
	}
	return s[:i], s[i+1:], nil
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
