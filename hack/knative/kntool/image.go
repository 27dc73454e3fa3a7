package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const certs = "/etc/ssl/certs/ca-certificates.crt"

func runImage(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	bin := fs.String("bin", "", "static binary to put at /ko-app/<name>")
	tag := fs.String("tag", "", "reference to push to (plain HTTP allowed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bin == "" || *tag == "" {
		return fmt.Errorf("image: -bin and -tag are required")
	}
	ref, err := name.ParseReference(*tag, name.Insecure)
	if err != nil {
		return fmt.Errorf("parsing %q: %w", *tag, err)
	}
	img, err := koImage(*bin)
	if err != nil {
		return fmt.Errorf("building the image of %s: %w", *bin, err)
	}
	if err := remote.Write(ref, img); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s@%s\n", ref.Context().Name(), d)
	return nil
}

// koImage lays the binary out as ko does: /ko-app/<name> as ENTRYPOINT,
// KO_DATA_PATH set, CA certificates, and a numeric non-root user.
func koImage(bin string) (v1.Image, error) {
	target := "/ko-app/" + filepath.Base(bin)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct{ src, dst string }{{bin, target}, {certs, certs}}
	for _, f := range files {
		if err := addFile(tw, f.src, f.dst); err != nil {
			return nil, err
		}
	}
	if err := addDir(tw, "/var/run/ko"); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Entrypoint = []string{target}
	cfg.Config.User = "65532:65532"
	cfg.Config.Env = []string{"PATH=/ko-app:/usr/local/bin:/usr/bin:/bin", "KO_DATA_PATH=/var/run/ko", "SSL_CERT_FILE=" + certs}
	return mutate.ConfigFile(img, cfg)
}

func addFile(tw *tar.Writer, src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: dst[1:], Mode: 0o755, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = tw.Write(b)
	return err
}

func addDir(tw *tar.Writer, dir string) error {
	return tw.WriteHeader(&tar.Header{Name: dir[1:] + "/", Mode: 0o755, Typeflag: tar.TypeDir})
}
