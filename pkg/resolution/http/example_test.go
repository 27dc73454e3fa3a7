package http_test

import (
	"context"
	"fmt"
	"log"
	nethttp "net/http"
	"net/http/httptest"

	"github.com/slipway-ci/slipway/pkg/resolution"
	resolverhttp "github.com/slipway-ci/slipway/pkg/resolution/http"
)

// Fetch a Task from a URL, checking its digest: the digest pins it (cached), and the
// RefSource records the content's sha256.
func ExampleResolver() {
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, _ *nethttp.Request) {
		fmt.Fprint(w, "kind: Task\n")
	}))
	defer srv.Close()

	r := resolverhttp.New(nil)
	req := resolution.Request{
		Resolver: "http", Kind: "Task", Namespace: "default",
		Params: map[string]string{
			"url":    srv.URL + "/task.yaml",
			"digest": "sha256:cccbd06e37bd4995c6bef8beb3b13778f46ac1a60faa1d8e1afa03adf0abaa82",
		},
	}
	pin, ok, err := r.Pin(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	got, err := r.Fetch(context.Background(), req, pin)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pinned: %v\n%s", ok, got.Data)
	fmt.Println(got.RefSource.Digest["sha256"])
	// Output:
	// pinned: true
	// kind: Task
	// cccbd06e37bd4995c6bef8beb3b13778f46ac1a60faa1d8e1afa03adf0abaa82
}
