package logs

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
)

// ErrNotFound reports an archive or an entry that does not exist.
var ErrNotFound = errors.New("log archive not found")

// ErrDeleteRefused reports a store that does not delete archives (a
// registry with deletes turned off, or no right to delete).
var ErrDeleteRefused = errors.New("the log store refuses to delete")

// Location names one attempt's archive: a repository and a tag (the
// attempt's pod name). A repository written "http://host/path" is on a
// registry reached over plain HTTP.
type Location struct {
	Repository string
	Tag        string
}

func (l Location) String() string { return l.Repository + ":" + l.Tag }

// Meta describes the run an archive belongs to.
type Meta struct {
	Namespace    string
	TaskRun      string
	TaskRunUID   string
	PipelineRun  string
	PipelineTask string
}

// Entry is one archived step log.
type Entry struct {
	// Container is the step's container name ("step-<name>").
	Container string
	// Size is the length of the plain log in bytes.
	Size int64
}

// Index is what an archive holds.
type Index struct {
	Meta    Meta
	Entries []Entry
}

// Find returns the entry of container, if archived.
func (x Index) Find(container string) (Entry, bool) {
	for _, e := range x.Entries {
		if e.Container == container {
			return e, true
		}
	}
	return Entry{}, false
}

// Store keeps sealed logs. Put replaces an entry of the same container;
// an archive whose Meta.TaskRunUID differs from the one given is replaced
// whole (a TaskRun of the same name recreated). Put reads e only after
// sealed has reached its end, so that a size counted while streaming is
// final.
type Store interface {
	Put(ctx context.Context, loc Location, meta Meta, e *Entry, sealed io.Reader) error
	List(ctx context.Context, loc Location) (Index, error)
	Open(ctx context.Context, loc Location, container string) (io.ReadCloser, error)
	// Delete removes the archive at loc if it is still taskRunUID's (a
	// TaskRun of the same name made since owns it otherwise); an archive
	// already gone is no error.
	Delete(ctx context.Context, loc Location, taskRunUID string) error
}

// NewKey returns a fresh secret key for one TaskRun's logs.
func NewKey() (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("generating a log key: %w", err)
	}
	return id.String(), nil
}

// Seal returns a writer that compresses and encrypts to key what is
// written to it, into w. Close flushes it; it does not close w.
func Seal(w io.Writer, key string) (io.WriteCloser, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(key))
	if err != nil {
		return nil, fmt.Errorf("parsing the log key: %w", err)
	}
	enc, err := age.Encrypt(w, id.Recipient())
	if err != nil {
		return nil, fmt.Errorf("encrypting a log: %w", err)
	}
	return &sealer{gz: gzip.NewWriter(enc), enc: enc}, nil
}

type sealer struct {
	gz  *gzip.Writer
	enc io.WriteCloser
}

func (s *sealer) Write(p []byte) (int, error) { return s.gz.Write(p) }

func (s *sealer) Close() error {
	return errors.Join(s.gz.Close(), s.enc.Close())
}

// Unseal returns the plain log read from sealed, which Seal wrote with key.
func Unseal(sealed io.Reader, key string) (io.Reader, error) {
	id, err := age.ParseX25519Identity(strings.TrimSpace(key))
	if err != nil {
		return nil, fmt.Errorf("parsing the log key: %w", err)
	}
	dec, err := age.Decrypt(sealed, id)
	if err != nil {
		return nil, fmt.Errorf("decrypting a log: %w", err)
	}
	gz, err := gzip.NewReader(dec)
	if err != nil {
		return nil, fmt.Errorf("decompressing a log: %w", err)
	}
	return gz, nil
}

// Archive seals the log read from r with key and puts it into store as
// container's entry at loc, streaming: no log is held in memory.
func Archive(ctx context.Context, store Store, loc Location, meta Meta, key, container string, r io.Reader) (Entry, error) {
	pr, pw := io.Pipe()
	e := &Entry{Container: container}
	go func() {
		w, err := Seal(pw, key)
		if err == nil {
			e.Size, err = io.Copy(w, r)
			err = errors.Join(err, w.Close())
		}
		pw.CloseWithError(err)
	}()
	err := store.Put(ctx, loc, meta, e, pr)
	// Put may stop early on an error: unblock the sealing goroutine.
	pr.CloseWithError(io.ErrClosedPipe)
	return *e, err
}

// Read returns container's plain log from the archive at loc.
func Read(ctx context.Context, store Store, loc Location, key, container string) (io.ReadCloser, error) {
	rc, err := store.Open(ctx, loc, container)
	if err != nil {
		return nil, err
	}
	plain, err := Unseal(rc, key)
	if err != nil {
		_ = rc.Close()
		return nil, err
	}
	return readCloser{Reader: plain, Closer: rc}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Repository returns the repository of one TaskRun's archives under base
// ("host/path"), written "http://host/path/..." when insecure.
func Repository(base, namespace, taskRun string, insecure bool) string {
	r := strings.TrimSuffix(base, "/") + "/" + namespace + "/" + taskRun
	if insecure {
		return "http://" + r
	}
	return r
}
