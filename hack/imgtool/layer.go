package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entry is one file of a layer: a directory (Dir), a symlink (Link), a copy
// of a host file (From) or literal content (Data).
type entry struct {
	Dir  bool
	Link string
	From string
	Data []byte
	Mode int64
}

// fsTree maps absolute image paths to entries.
type fsTree map[string]entry

// epoch keeps layers reproducible: the same inputs give the same digest, so
// re-pushing an unchanged image is a no-op for the registry and containerd.
var epoch = time.Unix(0, 0)

// layerTar writes the tree as a tar with parent directories first.
func layerTar(t fsTree) ([]byte, error) {
	paths := make([]string, 0, len(t))
	for p := range t {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		if err := writeEntry(tw, p, t[p]); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", p, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeEntry(tw *tar.Writer, p string, e entry) error {
	h := &tar.Header{Name: p[1:], Mode: e.Mode, ModTime: epoch, Uname: "root", Gname: "root"}
	data := e.Data
	switch {
	case e.Dir:
		h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
	case e.Link != "":
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.Link
	case e.From != "":
		b, err := os.ReadFile(e.From)
		if err != nil {
			return err
		}
		data = b
	}
	if !e.Dir && e.Link == "" {
		h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// addParents adds every missing parent directory of the tree's entries.
func (t fsTree) addParents() {
	for p := range t {
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := t[d]; !ok {
				t[d] = entry{Dir: true, Mode: 0o755}
			}
		}
	}
}

// image makes a one-layer linux/amd64 image from the tree.
func image(t fsTree, entrypoint []string, cmd []string) (v1.Image, error) {
	t.addParents()
	data, err := layerTar(t)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: epoch}
	cf.Config.Entrypoint, cf.Config.Cmd = entrypoint, cmd
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	return mutate.ConfigFile(img, cf)
}
