package bundles

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// The layer annotations of Tekton's bundle contract v0.1.
const (
	// AnnotationAPIVersion is the object's apiVersion, e.g. tekton.dev/v1.
	AnnotationAPIVersion = "dev.tekton.image.apiVersion"
	// AnnotationKind is the object's kind, lowercase and singular (task).
	AnnotationKind = "dev.tekton.image.kind"
	// AnnotationName is the object's metadata.name.
	AnnotationName = "dev.tekton.image.name"
)

// MaxObjects is the most objects (layers) a bundle may hold: Tekton refuses
// bigger bundles.
const MaxObjects = 20

// maxObjectSize bounds what Fetch reads from one layer, uncompressed.
const maxObjectSize = 8 << 20

// header is what Build reads of an object.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

// Build returns a Tekton bundle holding objects, each one YAML or JSON
// document with apiVersion, kind and metadata.name: one gzipped tar layer
// per object, holding one file named after the object, annotated as the
// contract says. The same objects always give the same digest.
func Build(objects [][]byte) (v1.Image, error) {
	if len(objects) == 0 || len(objects) > MaxObjects {
		return nil, fmt.Errorf("a bundle holds 1 to %d objects, not %d", MaxObjects, len(objects))
	}
	seen := map[string]bool{}
	adds := make([]mutate.Addendum, 0, len(objects))
	for i, obj := range objects {
		var h header
		if err := yaml.Unmarshal(obj, &h); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		if h.APIVersion == "" || h.Kind == "" || h.Metadata.Name == "" {
			return nil, fmt.Errorf("object %d: apiVersion, kind and metadata.name are required", i)
		}
		kind := strings.ToLower(h.Kind)
		key := kind + "/" + h.Metadata.Name
		if seen[key] {
			return nil, fmt.Errorf("object %d: %s is in the bundle twice", i, key)
		}
		seen[key] = true
		layer, err := tarLayer(h.Metadata.Name, obj)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		adds = append(adds, mutate.Addendum{Layer: layer, Annotations: map[string]string{
			AnnotationAPIVersion: h.APIVersion,
			AnnotationKind:       kind,
			AnnotationName:       h.Metadata.Name,
		}})
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, fmt.Errorf("building bundle: %w", err)
	}
	return img, nil
}

// tarLayer is a layer holding one file, file, with content data.
func tarLayer(file string, data []byte) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: file, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("writing tar header: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return nil, fmt.Errorf("writing tar: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("writing tar: %w", err)
	}
	b := buf.Bytes()
	opener := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return tarball.LayerFromOpener(opener, tarball.WithMediaType(types.OCILayer))
}

// Push builds a bundle of objects (see Build) and writes it to ref. It
// returns the bundle's reference by digest, which Pin would answer for ref.
// opts are go-containerregistry's: pass remote.WithAuthFromKeychain for
// credentials, and parse ref with name.Insecure for a plain-HTTP registry.
func Push(ctx context.Context, ref name.Reference, objects [][]byte, opts ...remote.Option) (name.Digest, error) {
	img, err := Build(objects)
	if err != nil {
		return name.Digest{}, err
	}
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	if err := remote.Write(ref, img, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing bundle %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("computing bundle digest: %w", err)
	}
	return ref.Context().Digest(d.String()), nil
}

// Documents splits a YAML (or JSON) stream into its documents, dropping
// empty ones, so that a file of several objects can be given to Build.
func Documents(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading YAML documents: %w", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("document %d: %w", len(docs), err)
		}
		if len(m) > 0 {
			docs = append(docs, doc)
		}
	}
}

// check applies Tekton's checks to a bundle's manifest: at most MaxObjects
// layers, each with the three annotations and a lowercase singular kind.
func check(m *v1.Manifest) error {
	if len(m.Layers) > MaxObjects {
		return fmt.Errorf("not a Tekton bundle (%w of image): it has %d layers, more than the %d objects a bundle may hold",
			resolution.ErrWrongKind, len(m.Layers), MaxObjects)
	}
	for i, l := range m.Layers {
		for _, a := range []string{AnnotationAPIVersion, AnnotationKind, AnnotationName} {
			if _, ok := l.Annotations[a]; !ok {
				return fmt.Errorf("not a Tekton bundle (%w of image): layer %d has no %q annotation",
					resolution.ErrWrongKind, i, a)
			}
		}
		if k := l.Annotations[AnnotationKind]; strings.TrimSuffix(strings.ToLower(k), "s") != k {
			return fmt.Errorf("not a Tekton bundle (%w of image): layer %d has %s %q, which is not lowercase and singular",
				resolution.ErrWrongKind, i, AnnotationKind, k)
		}
	}
	return nil
}

// object returns the content of the layer of img annotated with kind and
// name; kind is lowercase.
func object(img v1.Image, kind, objName string) ([]byte, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	if err := check(m); err != nil {
		return nil, err
	}
	var held []string
	for _, l := range m.Layers {
		lk, ln := l.Annotations[AnnotationKind], l.Annotations[AnnotationName]
		if lk != kind || ln != objName {
			held = append(held, lk+"/"+ln)
			continue
		}
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading layer of %s %q: %w", kind, objName, err)
		}
		return readLayer(layer)
	}
	if len(held) == 0 {
		return nil, fmt.Errorf("%s %q %w: the bundle is empty", kind, objName, resolution.ErrNotFound)
	}
	return nil, fmt.Errorf("%s %q %w (the bundle holds %s)", kind, objName, resolution.ErrNotFound, strings.Join(held, ", "))
}

// readLayer returns the single file of a tar layer or, as Tekton accepts,
// the whole content of a layer that is not a tar.
func readLayer(layer v1.Layer) ([]byte, error) {
	rc, err := layer.Uncompressed()
	if err != nil {
		return nil, fmt.Errorf("reading layer: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxObjectSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading layer: %w", err)
	}
	if len(data) > maxObjectSize {
		return nil, fmt.Errorf("layer is larger than %d bytes", maxObjectSize)
	}
	tr := tar.NewReader(bytes.NewReader(data))
	if _, err := tr.Next(); err != nil {
		return data, nil
	}
	content, err := io.ReadAll(tr)
	if err != nil {
		return nil, fmt.Errorf("reading layer tar: %w", err)
	}
	return content, nil
}
