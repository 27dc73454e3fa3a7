// Command bundle publishes Tekton bundles (pkg/resolution/bundles):
//
//	bundle push [-insecure] REF FILE...
//
// pushes one bundle holding every object of the YAML or JSON FILEs (several
// documents per file allowed) to REF, with the credentials of the docker
// config, and prints the bundle's reference by digest, repo@sha256:...,
// on its last line. -insecure reaches REF's registry over plain HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/slipway-ci/slipway/pkg/resolution/bundles"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bundle: ")
	if len(os.Args) < 2 || os.Args[1] != "push" {
		log.Fatal("usage: bundle push [-insecure] REF FILE [FILE...]")
	}
	if err := push(context.Background(), os.Args[2:]); err != nil {
		log.Fatal(err)
	}
}

func push(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	insecure := fs.Bool("insecure", false, "reach the registry over plain HTTP")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return errors.New("usage: bundle push [-insecure] REF FILE [FILE...]")
	}
	var opts []name.Option
	if *insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(fs.Arg(0), opts...)
	if err != nil {
		return err
	}
	var objects [][]byte
	for _, file := range fs.Args()[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		docs, err := bundles.Documents(data)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		objects = append(objects, docs...)
	}
	digest, err := bundles.Push(ctx, ref, objects, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	fmt.Println(digest)
	return nil
}
