package bundles_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/bundles"
)

// Push a bundle to a registry, then resolve a Task out of it by tag.
func ExamplePush() {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	ref, err := name.ParseReference(host + "/catalog:v1")
	if err != nil {
		log.Fatal(err)
	}
	task := "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: hello\nspec:\n  steps:\n  - image: busybox\n    script: echo hello\n"
	digest, err := bundles.Push(context.Background(), ref, [][]byte{[]byte(task)})
	if err != nil {
		log.Fatal(err)
	}

	r := bundles.New(nil)
	req := resolution.Request{
		Resolver: "bundles", Kind: "Task", Namespace: "default",
		Params: map[string]string{"bundle": ref.String(), "name": "hello"},
	}
	pin, _, err := r.Pin(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	got, err := r.Fetch(context.Background(), req, pin)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pin == digest.DigestStr(), got.RefSource.EntryPoint)
	fmt.Print(string(got.Data))
	// Output:
	// true hello
	// apiVersion: tekton.dev/v1
	// kind: Task
	// metadata:
	//   name: hello
	// spec:
	//   steps:
	//   - image: busybox
	//     script: echo hello
}
