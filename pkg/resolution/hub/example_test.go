package hub_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/hub"
	"github.com/slipway-ci/slipway/test/hubserver"
)

// Resolve the highest 0.x release of a Task from an Artifact Hub.
func ExampleResolver() {
	s := hubserver.New()
	for _, v := range []string{"0.8.0", "0.9.0", "1.0.0"} {
		s.Add(hub.DefaultArtifactTaskCatalog, "task", "git-clone", v, []byte("# git-clone "+v+"\n"))
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	r := hub.New(hub.WithArtifactHubURL(srv.URL))
	req := resolution.Request{
		Resolver: "hub", Kind: "Task", Namespace: "default",
		Params: map[string]string{"name": "git-clone", "version": "< 1.0"},
	}
	pin, _, err := r.Pin(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	got, err := r.Fetch(context.Background(), req, pin)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pin)
	fmt.Print(string(got.Data))
	// Output:
	// 0.9.0
	// # git-clone 0.9.0
}
