package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConfigIsUpToDate fails when a Go type changed (a Tekton upgrade) and
// config/ was not regenerated.
func TestConfigIsUpToDate(t *testing.T) {
	t.Parallel()
	for _, c := range crds {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			old, err := os.ReadFile(filepath.Join("..", "..", "config", c.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := render(old, c)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(old) {
				t.Errorf("config/%s is out of date: run go run ./hack/crdgen", c.file)
			}
		})
	}
}
