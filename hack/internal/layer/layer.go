// Package layer writes reproducible one-layer container images from a
// description of their files, for the tools that build the local
// cluster's images (hack/imgtool, hack/kaniko/image): paths in sorted
// order, parents first, every file owned by root and dated at the Unix
// epoch, so that the same inputs always give the same digest and pushing
// an unchanged image is a no-op for the registry and containerd.
package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Epoch is the time of every file and of the image config.
var Epoch = time.Unix(0, 0).UTC()

// Entry is one file of a layer: a directory (Dir), a symlink (Link), a
// copy of a host file (From) or literal content (Data).
type Entry struct {
	Dir  bool
	Link string
	From string
	Data []byte
	Mode int64
}

// Tree maps absolute paths in the image to their entries.
type Tree map[string]Entry

// AddParents adds every missing parent directory (mode 0755).
func (t Tree) AddParents() {
	for p := range t {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if _, ok := t[d]; !ok {
				t[d] = Entry{Dir: true, Mode: 0o755}
			}
		}
	}
}

// Tar writes the tree as a tar archive in path order.
func Tar(t Tree) ([]byte, error) {
	paths := make([]string, 0, len(t))
	for p := range t {
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("layer entry %q: path is not absolute", p)
		}
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

// New returns the tree as a layer; mediaType may be empty for the default
// (Docker) layer type.
func New(t Tree, mediaType types.MediaType) (v1.Layer, error) {
	data, err := Tar(t)
	if err != nil {
		return nil, err
	}
	var opts []tarball.LayerOption
	if mediaType != "" {
		opts = append(opts, tarball.WithMediaType(mediaType))
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return l, nil
}

func writeEntry(tw *tar.Writer, p string, e Entry) error {
	h := &tar.Header{Name: strings.TrimPrefix(p, "/"), Mode: e.Mode, ModTime: Epoch, Uname: "root", Gname: "root"}
	data := e.Data
	switch {
	case e.Dir:
		h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
	case e.Link != "":
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.Link
	default:
		if e.From != "" {
			b, err := os.ReadFile(e.From)
			if err != nil {
				return err
			}
			data = b
		}
		h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}
