// Command gitserver serves the git repositories below -root over smart HTTP
// (for e2e tests and the demo; pods reach it at http://<nodeIP>:<port>/<repo>).
//
//	gitserver -root DIR -listen :8418                  serve
//	gitserver -root DIR -sample-app app -base-image IMG  create DIR/app (main at v1), then serve
//	gitserver -root DIR -promote app                   point app's main at v2 and exit
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/slipway-ci/slipway/test/gitserver"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gitserver", flag.ContinueOnError)
	root := fs.String("root", "", "directory holding the repositories (required)")
	listen := fs.String("listen", ":8418", "address to listen on")
	user := fs.String("user", "", "require HTTP basic auth with this user")
	pass := fs.String("password", "", "password for -user")
	sample := fs.String("sample-app", "", "create the sample app repository with this name (if missing)")
	base := fs.String("base-image", "busybox", "FROM image of the sample app's Dockerfile")
	promote := fs.String("promote", "", "point this sample app's main at its v2 commit and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		return errors.New("-root is required")
	}
	if *promote != "" {
		return promoteApp(filepath.Join(*root, *promote))
	}
	if err := ensureSample(*root, *sample, *base); err != nil {
		return err
	}
	var opts []gitserver.Option
	if *user != "" {
		opts = append(opts, gitserver.WithBasicAuth(*user, *pass))
	}
	s, err := gitserver.New(*root, opts...)
	if err != nil {
		return err
	}
	log.Printf("serving git repositories of %s on %s", s.Root(), *listen)
	return http.ListenAndServe(*listen, s)
}

func ensureSample(root, name, base string) error {
	if name == "" {
		return nil
	}
	dir := filepath.Join(root, name)
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return nil
	}
	app, err := gitserver.CreateSampleApp(dir, base)
	if err != nil {
		return err
	}
	log.Printf("created sample app %s: v1 %s, v2 %s", dir, app.V1, app.V2)
	return nil
}

func promoteApp(dir string) error {
	r, err := gitserver.Open(dir)
	if err != nil {
		return err
	}
	if err := r.SetRef("main", "refs/tags/v2"); err != nil {
		return fmt.Errorf("promoting %s: %w", dir, err)
	}
	return nil
}
