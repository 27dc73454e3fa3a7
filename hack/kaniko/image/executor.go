package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is every file's and the config's time, for reproducible digests.
var epoch = time.Unix(0, 0).UTC()

// nsswitch makes Go and libc resolvers read /etc/hosts before DNS, as the
// file in upstream's image does.
const nsswitch = "passwd: files\ngroup: files\nhosts: files dns\n"

// file is one entry of the layer: a directory when both src and data are empty.
type file struct {
	mode int64
	src  string // host file to copy
	data []byte
	dir  bool
}

// executorImage is upstream's executor image: same paths, env, working
// directory and entrypoint; no credential helpers (nothing here needs them).
func executorImage(executor, certs string) (v1.Image, error) {
	files := map[string]file{
		"kaniko/":                              {dir: true, mode: 0o777},
		"kaniko/executor":                      {src: executor, mode: 0o755},
		"kaniko/ssl/":                          {dir: true, mode: 0o755},
		"kaniko/ssl/certs/":                    {dir: true, mode: 0o755},
		"kaniko/ssl/certs/ca-certificates.crt": {src: certs, mode: 0o644},
		"kaniko/.docker/":                      {dir: true, mode: 0o755},
		"etc/":                                 {dir: true, mode: 0o755},
		"etc/nsswitch.conf":                    {data: []byte(nsswitch), mode: 0o644},
		"workspace/":                           {dir: true, mode: 0o755},
	}
	layer, err := tarLayer(files)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, fmt.Errorf("adding layer: %w", err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: epoch}
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

// tarLayer writes files in name order (parents sort before children).
func tarLayer(files map[string]file) (v1.Layer, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := writeFile(tw, n, files[n]); err != nil {
			return nil, fmt.Errorf("layer file /%s: %w", n, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

func writeFile(tw *tar.Writer, n string, f file) error {
	h := &tar.Header{Name: n, Mode: f.mode, ModTime: epoch, Typeflag: tar.TypeDir, Uname: "root", Gname: "root"}
	data := f.data
	if f.src != "" {
		b, err := os.ReadFile(f.src)
		if err != nil {
			return err
		}
		data = b
	}
	if !f.dir {
		h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// emptyIndex is the layout's starting index.
func emptyIndex() v1.ImageIndex { return empty.Index }
