// Command registry is the local cluster's image registry: go-containerregistry's
// in-process registry with blobs on disk, a journal that restores manifests
// after a restart, and aliases that answer any tag of the images Tekton YAML in
// the wild names (busybox, bash, alpine, ubuntu) with Slipway's base image.
//
// It listens on all addresses so that containerd (127.0.0.1:5000) and pods
// (<node IP>:5000) reach it under a name each of them can resolve.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "0.0.0.0:5000", "listen address")
	dir := flag.String("dir", "", "storage directory (blobs and manifest journal); empty keeps everything in memory")
	base := flag.String("base", "slipway/base:latest", "repository:tag that alias repositories resolve to")
	flag.Parse()
	if err := run(*addr, *dir, *base); err != nil {
		log.Fatalf("registry: %v", err)
	}
}

func run(addr, dir, base string) error {
	h, err := newHandler(dir, base)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("registry listening on %s (storage %q, aliases -> %s)", addr, dir, base)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	return nil
}

// newHandler stacks alias resolution over the manifest journal over the registry.
func newHandler(dir, base string) (http.Handler, error) {
	baseRepo, baseTag, err := splitRepoTag(base)
	if err != nil {
		return nil, err
	}
	// The registry logs every request; far too noisy for a CI log.
	opts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	var inner http.Handler
	if dir == "" {
		inner = registry.New(opts...)
		return &aliasHandler{next: inner, baseRepo: baseRepo, baseTag: baseTag}, nil
	}
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, fmt.Errorf("create blob dir: %w", err)
	}
	opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(blobs)))
	j, err := openJournal(filepath.Join(dir, "manifests.jsonl"), registry.New(opts...))
	if err != nil {
		return nil, err
	}
	return &aliasHandler{next: j, baseRepo: baseRepo, baseTag: baseTag}, nil
}
