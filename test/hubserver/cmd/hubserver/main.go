// Command hubserver serves a directory of Tekton objects over the Artifact
// Hub and Tekton Hub APIs (test/hubserver), for the hub resolver in e2e
// tests and the local cluster:
//
//	hubserver -dir DIR [-listen :8080]
//
// DIR holds <catalog>/<kind>/<name>/<version>.yaml files, read at start.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/slipway-ci/slipway/test/hubserver"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("hubserver: ")
	listen := flag.String("listen", ":8080", "listen address")
	dir := flag.String("dir", "", "directory of <catalog>/<kind>/<name>/<version>.yaml files")
	flag.Parse()
	if *dir == "" {
		log.Fatal("-dir is required")
	}
	s := hubserver.New()
	n, err := s.AddDir(*dir)
	if err != nil {
		log.Fatal(err)
	}
	log.Println("serving", n, "objects on", *listen)
	log.Fatal(http.ListenAndServe(*listen, s))
}
