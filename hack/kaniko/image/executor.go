package main

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/slipway-ci/slipway/hack/internal/layer"
)

// nsswitch makes Go and libc resolvers read /etc/hosts before DNS, as the
// file in upstream's image does.
const nsswitch = "passwd: files\ngroup: files\nhosts: files dns\n"

// executorImage is upstream's executor image: same paths, env, working
// directory and entrypoint; no credential helpers (nothing here needs them).
func executorImage(executor, certs string) (v1.Image, error) {
	files := layer.Tree{
		"/kaniko":                               {Dir: true, Mode: 0o777},
		"/kaniko/executor":                      {From: executor, Mode: 0o755},
		"/kaniko/ssl":                           {Dir: true, Mode: 0o755},
		"/kaniko/ssl/certs":                     {Dir: true, Mode: 0o755},
		"/kaniko/ssl/certs/ca-certificates.crt": {From: certs, Mode: 0o644},
		"/kaniko/.docker":                       {Dir: true, Mode: 0o755},
		"/etc":                                  {Dir: true, Mode: 0o755},
		"/etc/nsswitch.conf":                    {Data: []byte(nsswitch), Mode: 0o644},
		"/workspace":                            {Dir: true, Mode: 0o755},
	}
	l, err := layer.New(files, types.OCILayer)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), l)
	if err != nil {
		return nil, fmt.Errorf("adding layer: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: layer.Epoch}
	cf.Config.Entrypoint = []string{"/kaniko/executor"}
	cf.Config.WorkingDir = "/workspace"
	cf.Config.Env = []string{
		"HOME=/root",
		"USER=root",
		"PATH=/usr/local/bin:/kaniko",
		"SSL_CERT_DIR=/kaniko/ssl/certs",
		"DOCKER_CONFIG=/kaniko/.docker/",
	}
	return mutate.ConfigFile(img, cf)
}

// emptyIndex is the layout's starting index.
func emptyIndex() v1.ImageIndex { return empty.Index }
