// Command kntool prepares Knative Serving for the local cluster:
//
//	kntool image  -bin FILE -tag REF            a prebuilt static binary as a ko-style image
//	kntool render -serving DIR -networking DIR -caching DIR -images FILE [flags]
//
// image pushes FILE as /ko-app/<name> (ENTRYPOINT, user 65532 because
// Knative's Deployments require runAsNonRoot) and prints REF@sha256:DIGEST.
// render writes Knative's install YAML to stdout: CRDs first (with -crds)
// or everything else, ko:// references replaced by digests, settings for
// the local cluster applied (see render.go).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kntool image|render [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "image":
		err = runImage(os.Args[2:])
	case "render":
		err = runRender(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q (want image or render)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kntool:", err)
		os.Exit(1)
	}
}
