// Command crdgen writes the structural schemas of config/crd-*.yaml from
// the Go types the controller decodes (pkg/crdschema):
//
//	go run ./hack/crdgen          rewrite config/crd-*.yaml
//	go run ./hack/crdgen -check   fail if any of them is out of date
//
// Everything else in a CRD file (names, columns, conversion) is kept as
// written; the files' test fails when a schema is out of date.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("crdgen: ")
	check := flag.Bool("check", false, "only report files that are out of date")
	dir := flag.String("config", "config", "directory of the CRD files")
	flag.Parse()
	stale := 0
	for _, c := range crds {
		path := filepath.Join(*dir, c.file)
		old, err := os.ReadFile(path)
		if err != nil {
			log.Fatal(err)
		}
		out, err := render(old, c)
		if err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		if bytes.Equal(old, out) {
			continue
		}
		stale++
		if *check {
			fmt.Printf("%s is out of date: run go run ./hack/crdgen\n", path)
			continue
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("wrote %s\n", path)
	}
	if *check && stale > 0 {
		os.Exit(1)
	}
}
