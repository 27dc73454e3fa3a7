package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
)

// journal makes manifests survive a restart. go-containerregistry's registry
// keeps manifests in memory only, so every accepted manifest PUT and DELETE
// is appended to a JSON-lines file and replayed into a fresh registry at
// start.
type journal struct {
	next http.Handler
	f    *os.File
}

type journalEntry struct {
	// Method is PUT when empty (journals written before deletes were kept).
	Method      string `json:"method,omitempty"`
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// maxManifest bounds a manifest body; real ones are a few kilobytes.
const maxManifest = 4 << 20

func openJournal(path string, next http.Handler) (*journal, error) {
	if err := replay(path, next); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open manifest journal: %w", err)
	}
	return &journal{next: next, f: f}, nil
}

func replay(path string, next http.Handler) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open manifest journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 2*maxManifest)
	for n := 1; sc.Scan(); n++ {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("manifest journal line %d: %w", n, err)
		}
		method, want := http.MethodPut, http.StatusCreated
		if e.Method == http.MethodDelete {
			method, want = http.MethodDelete, http.StatusAccepted
		}
		req := httptest.NewRequest(method, e.Path, bytes.NewReader(e.Body))
		req.Header.Set("Content-Type", e.ContentType)
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, req)
		if rec.Code != want {
			return fmt.Errorf("manifest journal line %d (%s): replay got HTTP %d", n, e.Path, rec.Code)
		}
	}
	return sc.Err()
}

func (j *journal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _, ok := parseManifestPath(r.URL.Path)
	switch {
	case ok && r.Method == http.MethodDelete:
		j.delete(w, r)
		return
	case !ok || r.Method != http.MethodPut:
		j.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifest+1))
	if err != nil || len(body) > maxManifest {
		http.Error(w, "manifest unreadable or larger than 4 MiB", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	j.next.ServeHTTP(sw, r)
	if sw.code != http.StatusCreated {
		return
	}
	j.append(journalEntry{Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body})
}

// delete passes a manifest DELETE on and journals it once accepted.
func (j *journal) delete(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	j.next.ServeHTTP(sw, r)
	if sw.code == http.StatusAccepted {
		j.append(journalEntry{Method: http.MethodDelete, Path: r.URL.Path})
	}
}

func (j *journal) append(e journalEntry) {
	line, err := json.Marshal(e)
	if err == nil {
		_, err = j.f.Write(append(line, '\n'))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "registry: journal %s: %v\n", e.Path, err)
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
