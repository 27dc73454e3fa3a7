// Command imgtool builds the local cluster's images with go-containerregistry,
// without a Docker daemon or any upstream registry:
//
//	imgtool base  -tag REF [-tag REF...]            busybox + bash base image
//	imgtool gobin -pkg PKG [-pkg PKG...] -tag REF [-tag REF...]   static Go binaries, the first as ENTRYPOINT
//	imgtool bin   -bin FILE -tag REF [-tag REF...]  prebuilt static binary as ENTRYPOINT
//
// Each pushes to every -tag (plain HTTP allowed) and prints REF@sha256:DIGEST,
// one per line. With -o FILE the image is written as a docker-archive tarball
// (for `ctr images import`) instead of being pushed.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("imgtool: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: imgtool base|gobin|bin [flags]")
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		log.Fatal(err)
	}
}

// tags collects repeated -tag flags.
type tags []string

func (t *tags) String() string     { return strings.Join(*t, ",") }
func (t *tags) Set(s string) error { *t = append(*t, s); return nil }

func run(cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	var refs tags
	fs.Var(&refs, "tag", "image reference to push (repeatable)")
	out := fs.String("o", "", "write a docker-archive tarball instead of pushing")
	var pkgs tags
	fs.Var(&pkgs, "pkg", "gobin: Go package path of a main package (repeatable: the first is the ENTRYPOINT)")
	bin := fs.String("bin", "", "bin: path of a prebuilt static binary")
	dir := fs.String("dir", "/usr/local/bin", "bin: the image directory the binary goes into (ko's images use /ko-app)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(refs) == 0 {
		return fmt.Errorf("%s: at least one -tag is required", cmd)
	}
	var img v1.Image
	var err error
	switch cmd {
	case "base":
		img, err = baseImage()
	case "gobin":
		img, err = goBinImage(pkgs)
	case "bin":
		img, err = binImage(*bin, *dir)
	default:
		return fmt.Errorf("unknown command %q (want base, gobin or bin)", cmd)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return publish(img, refs, *out)
}

// publish pushes img to every ref (or writes the tarball) and prints ref@digest.
func publish(img v1.Image, refs []string, out string) error {
	d, err := img.Digest()
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	for _, r := range refs {
		ref, err := name.ParseReference(r, name.Insecure)
		if err != nil {
			return fmt.Errorf("parse %q: %w", r, err)
		}
		if out != "" {
			err = tarball.WriteToFile(out, ref, img)
		} else {
			err = remote.Write(ref, img)
		}
		if err != nil {
			return fmt.Errorf("publish %s: %w", r, err)
		}
		fmt.Printf("%s@%s\n", ref.Context().Name(), d)
	}
	return nil
}
