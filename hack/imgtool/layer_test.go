package main

import (
	"testing"

	"github.com/slipway-ci/slipway/hack/internal/layer"
)

func TestImageIsReproducible(t *testing.T) {
	t.Parallel()
	digest := func() string {
		img, err := image(layer.Tree{"/a": {Data: []byte("a"), Mode: 0o644}}, []string{"/a"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	if a, b := digest(), digest(); a != b {
		t.Errorf("digests differ: %s vs %s", a, b)
	}
}
