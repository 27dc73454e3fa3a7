package logs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// blob is an opaque layer (a sealed log, the empty config) whose digest is
// known before it is uploaded. It is not a filesystem layer: its DiffID is
// its digest.
type blob struct {
	desc ggcr.Descriptor
	open func() (io.ReadCloser, error)
	// remove deletes the spool file, if any.
	remove func()
}

var _ ggcr.Layer = (*blob)(nil)

func (b *blob) Digest() (ggcr.Hash, error)           { return b.desc.Digest, nil }
func (b *blob) DiffID() (ggcr.Hash, error)           { return b.desc.Digest, nil }
func (b *blob) Size() (int64, error)                 { return b.desc.Size, nil }
func (b *blob) MediaType() (types.MediaType, error)  { return b.desc.MediaType, nil }
func (b *blob) Compressed() (io.ReadCloser, error)   { return b.open() }
func (b *blob) Uncompressed() (io.ReadCloser, error) { return b.open() }

func memLayer(content []byte, mt types.MediaType) *blob {
	return &blob{
		desc:   ggcr.Descriptor{MediaType: mt, Size: int64(len(content)), Digest: digestOf(content)},
		open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil },
		remove: func() {},
	}
}

// spool copies r into a temporary file in dir, hashing it on the way, so
// that a log of any size is uploaded with a known digest and without
// being held in memory.
func spool(dir string, r io.Reader, mt types.MediaType) (*blob, error) {
	f, err := os.CreateTemp(dir, "slipway-log-*")
	if err != nil {
		return nil, fmt.Errorf("spooling a log: %w", err)
	}
	path := f.Name()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("spooling a log: %w", err)
	}
	return &blob{
		desc: ggcr.Descriptor{MediaType: mt, Size: n,
			Digest: ggcr.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}},
		open:   func() (io.ReadCloser, error) { return os.Open(path) },
		remove: func() { _ = os.Remove(path) },
	}, nil
}
