package logs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types and annotations of a log archive.
const (
	ArtifactType   = "application/vnd.slipway.logs.v1"
	LayerMediaType = "application/vnd.slipway.log.v1.tar+gzip+age"
	emptyMediaType = "application/vnd.oci.empty.v1+json"

	annContainer    = "dev.slipway.container"
	annSize         = "dev.slipway.size"
	annNamespace    = "dev.slipway.namespace"
	annTaskRun      = "dev.slipway.taskrun"
	annTaskRunUID   = "dev.slipway.taskrun.uid"
	annPipelineRun  = "dev.slipway.pipelinerun"
	annPipelineTask = "dev.slipway.pipelinetask"
)

// emptyConfig is the OCI empty descriptor's content.
var emptyConfig = []byte("{}")

// OCI is the Store that keeps archives as OCI artifacts in a registry.
type OCI struct {
	// Keychain authenticates to the registry; nil means the default
	// keychain (docker config, anonymous otherwise).
	Keychain authn.Keychain
	// TempDir holds logs while they are uploaded ("" is os.TempDir).
	TempDir string
}

var _ Store = (*OCI)(nil)

// ref parses loc; a repository written "http://host/path" is reached over
// plain HTTP.
func (o *OCI) ref(loc Location) (name.Tag, error) {
	var opts []name.Option
	repo, insecure := strings.CutPrefix(loc.Repository, "http://")
	if insecure {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.NewTag(repo+":"+loc.Tag, opts...)
	if err != nil {
		return name.Tag{}, fmt.Errorf("log archive %q: %w", loc, err)
	}
	return tag, nil
}

func (o *OCI) options(ctx context.Context) []remote.Option {
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
}

// Put uploads sealed as the entry's layer, then rewrites the manifest.
func (o *OCI) Put(ctx context.Context, loc Location, meta Meta, e *Entry, sealed io.Reader) error {
	tag, err := o.ref(loc)
	if err != nil {
		return err
	}
	opts := o.options(ctx)
	layer, err := spool(o.TempDir, sealed, LayerMediaType)
	if err != nil {
		return err
	}
	defer layer.remove()
	if err := remote.WriteLayer(tag.Repository, layer, opts...); err != nil {
		return fmt.Errorf("uploading the log of %s to %s: %w", e.Container, loc, err)
	}
	m, fresh, err := o.manifest(tag, meta, opts)
	if err != nil {
		return err
	}
	if fresh {
		config := memLayer(emptyConfig, emptyMediaType)
		if err := remote.WriteLayer(tag.Repository, config, opts...); err != nil {
			return fmt.Errorf("uploading the config of %s: %w", loc, err)
		}
	}
	m.Layers = withEntry(m.Layers, *e, layer.desc)
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the manifest of %s: %w", loc, err)
	}
	if err := remote.Put(tag, rawManifest(raw), opts...); err != nil {
		return fmt.Errorf("writing the manifest of %s: %w", loc, err)
	}
	return nil
}

// manifest returns the archive's current manifest, or a new one (fresh)
// when there is none or it belongs to another TaskRun of the same name.
func (o *OCI) manifest(tag name.Tag, meta Meta, opts []remote.Option) (m *ggcr.Manifest, fresh bool, err error) {
	m, err = o.get(tag, opts)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	if err == nil && m.Annotations[annTaskRunUID] == meta.TaskRunUID {
		return m, false, nil
	}
	return &ggcr.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        ggcr.Descriptor{MediaType: emptyMediaType, Size: int64(len(emptyConfig)), Digest: digestOf(emptyConfig)},
		Annotations:   metaAnnotations(meta),
	}, true, nil
}

// fetch returns the archive's manifest descriptor; ErrNotFound when none.
func (o *OCI) fetch(tag name.Tag, opts []remote.Option) (*remote.Descriptor, error) {
	desc, err := remote.Get(tag, opts...)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, tag)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the log archive %s: %w", tag, err)
	}
	return desc, nil
}

func (o *OCI) get(tag name.Tag, opts []remote.Option) (*ggcr.Manifest, error) {
	desc, err := o.fetch(tag, opts)
	if err != nil {
		return nil, err
	}
	m, err := ggcr.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, fmt.Errorf("reading the log archive %s: %w", tag, err)
	}
	return m, nil
}

// List returns what the archive at loc holds.
func (o *OCI) List(ctx context.Context, loc Location) (Index, error) {
	tag, err := o.ref(loc)
	if err != nil {
		return Index{}, err
	}
	m, err := o.get(tag, o.options(ctx))
	if err != nil {
		return Index{}, err
	}
	x := Index{Meta: metaOf(m.Annotations)}
	for _, l := range m.Layers {
		size, _ := strconv.ParseInt(l.Annotations[annSize], 10, 64)
		x.Entries = append(x.Entries, Entry{Container: l.Annotations[annContainer], Size: size})
	}
	return x, nil
}

// Open returns the sealed log of container.
func (o *OCI) Open(ctx context.Context, loc Location, container string) (io.ReadCloser, error) {
	tag, err := o.ref(loc)
	if err != nil {
		return nil, err
	}
	opts := o.options(ctx)
	m, err := o.get(tag, opts)
	if err != nil {
		return nil, err
	}
	for _, l := range m.Layers {
		if l.Annotations[annContainer] != container {
			continue
		}
		layer, err := remote.Layer(tag.Repository.Digest(l.Digest.String()), opts...)
		if err != nil {
			return nil, fmt.Errorf("reading the log of %s from %s: %w", container, loc, err)
		}
		return layer.Compressed()
	}
	return nil, fmt.Errorf("%w: no log of %s in %s", ErrNotFound, container, loc)
}

// Delete removes the archive's manifest: by digest first (a registry
// removes the tags of a deleted digest with it), then its tag if it still
// names that digest (go-containerregistry's registry keeps tags apart;
// another TaskRun's archive may have taken the tag since). A crash in
// between is mended by the next call: the tag still leads to the digest.
// The blobs stay until the registry's garbage collection; without their
// manifest nothing names them.
func (o *OCI) Delete(ctx context.Context, loc Location, taskRunUID string) error {
	tag, err := o.ref(loc)
	if err != nil {
		return err
	}
	opts := o.options(ctx)
	desc, err := o.fetch(tag, opts)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := ggcr.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil || m.Annotations[annTaskRunUID] != taskRunUID {
		return nil // not an archive of that TaskRun: not ours to delete
	}
	if err := deleteRef(tag.Repository.Digest(desc.Digest.String()), opts); err != nil {
		return fmt.Errorf("deleting the log archive %s: %w", loc, err)
	}
	if now, err := remote.Head(tag, opts...); err == nil && now.Digest == desc.Digest {
		if err := deleteRef(tag, opts); err != nil {
			return fmt.Errorf("deleting the tag of the log archive %s: %w", loc, err)
		}
	}
	return nil
}

// deleteRef deletes a manifest by digest or tag; gone already is no error.
func deleteRef(ref name.Reference, opts []remote.Option) error {
	err := remote.Delete(ref, opts...)
	var te *transport.Error
	switch {
	case err == nil || isNotFound(err):
		return nil
	case errors.As(err, &te) && (te.StatusCode == http.StatusMethodNotAllowed || te.StatusCode == http.StatusForbidden ||
		te.StatusCode == http.StatusUnauthorized):
		return fmt.Errorf("%w: %v", ErrDeleteRefused, err)
	}
	return err
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// withEntry returns layers with e's descriptor in place of an earlier one
// for the same container, or appended.
func withEntry(layers []ggcr.Descriptor, e Entry, d ggcr.Descriptor) []ggcr.Descriptor {
	d.Annotations = map[string]string{annContainer: e.Container, annSize: strconv.FormatInt(e.Size, 10)}
	for i := range layers {
		if layers[i].Annotations[annContainer] == e.Container {
			layers[i] = d
			return layers
		}
	}
	return append(layers, d)
}

func metaAnnotations(m Meta) map[string]string {
	out := map[string]string{annNamespace: m.Namespace, annTaskRun: m.TaskRun, annTaskRunUID: m.TaskRunUID}
	if m.PipelineRun != "" {
		out[annPipelineRun] = m.PipelineRun
		out[annPipelineTask] = m.PipelineTask
	}
	return out
}

func metaOf(a map[string]string) Meta {
	return Meta{Namespace: a[annNamespace], TaskRun: a[annTaskRun], TaskRunUID: a[annTaskRunUID],
		PipelineRun: a[annPipelineRun], PipelineTask: a[annPipelineTask]}
}

func digestOf(b []byte) ggcr.Hash {
	sum := sha256.Sum256(b)
	return ggcr.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
