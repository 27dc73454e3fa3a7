// Command image lays out the kaniko executor image the way upstream's
// gcr.io/kaniko-project/executor is laid out, with go-containerregistry and
// no Docker daemon, and pushes it:
//
//	image -executor BIN -layout DIR      write the image as an OCI layout
//	image -layout DIR -tag REF [-tag REF] push it, print REF@sha256:... per tag
//
// The image holds only /kaniko (and /etc/nsswitch.conf, as upstream): kaniko
// unpacks base images into / of its own container, so anything else there
// would leak into the images it builds. Layers are reproducible (fixed
// timestamps), so an unchanged binary gives an unchanged digest.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

type tags []string

func (t *tags) String() string     { return strings.Join(*t, ",") }
func (t *tags) Set(s string) error { *t = append(*t, s); return nil }

func main() {
	log.SetFlags(0)
	log.SetPrefix("kaniko image: ")
	var refs tags
	executor := flag.String("executor", "", "kaniko executor binary: write a new layout")
	certs := flag.String("certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle (Debian ca-certificates)")
	dir := flag.String("layout", "", "OCI layout directory (required)")
	flag.Var(&refs, "tag", "reference to push the layout's image to (repeatable; plain HTTP allowed)")
	flag.Parse()
	if flag.NFlag() == 0 {
		fmt.Fprintln(os.Stderr, "usage: image -layout DIR [-executor BIN] [-tag REF]...")
		os.Exit(2)
	}
	if err := run(*executor, *certs, *dir, refs); err != nil {
		log.Fatal(err)
	}
}

func run(executor, certs, dir string, refs []string) error {
	if dir == "" {
		return errors.New("-layout is required")
	}
	if executor != "" {
		img, err := executorImage(executor, certs)
		if err != nil {
			return err
		}
		p, err := layout.Write(dir, emptyIndex())
		if err != nil {
			return fmt.Errorf("writing layout %s: %w", dir, err)
		}
		if err := p.AppendImage(img); err != nil {
			return fmt.Errorf("writing layout %s: %w", dir, err)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return push(dir, refs)
}

// push sends the layout's only image to every ref and prints ref@digest.
func push(dir string, refs []string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		return fmt.Errorf("reading layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return fmt.Errorf("reading layout %s: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		return fmt.Errorf("layout %s: want exactly one image (err %v)", dir, err)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		return fmt.Errorf("reading layout %s: %w", dir, err)
	}
	for _, r := range refs {
		ref, err := name.ParseReference(r, name.Insecure)
		if err != nil {
			return fmt.Errorf("parsing %q: %w", r, err)
		}
		if err := remote.Write(ref, img); err != nil {
			return fmt.Errorf("pushing %s: %w", r, err)
		}
		fmt.Printf("%s@%s\n", ref.Context().Name(), m.Manifests[0].Digest)
	}
	return nil
}
