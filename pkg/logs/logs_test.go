package logs

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func testStore(t testing.TB) (*OCI, string) {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &OCI{TempDir: t.TempDir()}, "http://" + u.Host + "/slipway-logs/ns/tr"
}

func mustKey(t testing.TB) string {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readAll(t *testing.T, s Store, loc Location, key, container string) []byte {
	t.Helper()
	rc, err := Read(context.Background(), s, loc, key, container)
	if err != nil {
		t.Fatalf("Read(%s): %v", container, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Read(%s): %v", container, err)
	}
	return b
}

func TestArchiveRoundTrip(t *testing.T) {
	big := make([]byte, 3<<20)
	_, _ = rand.Read(big)
	cases := []struct {
		name string
		logs map[string][]byte
	}{
		{"one step", map[string][]byte{"step-a": []byte("hello\nworld\n")}},
		{"empty log", map[string][]byte{"step-a": nil}},
		{"two steps and a big one", map[string][]byte{"step-a": []byte("a\n"), "step-b": big}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, repo := testStore(t)
			key := mustKey(t)
			loc := Location{Repository: repo, Tag: "tr-pod"}
			meta := Meta{Namespace: "ns", TaskRun: "tr", TaskRunUID: "u1"}
			for c, l := range tc.logs {
				e, err := Archive(context.Background(), s, loc, meta, key, c, bytes.NewReader(l))
				if err != nil {
					t.Fatalf("Archive(%s): %v", c, err)
				}
				if e.Size != int64(len(l)) {
					t.Errorf("Archive(%s) size = %d, want %d", c, e.Size, len(l))
				}
			}
			x, err := s.List(context.Background(), loc)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.Entries) != len(tc.logs) || x.Meta != meta {
				t.Errorf("List = %+v, want %d entries of %+v", x, len(tc.logs), meta)
			}
			for c, l := range tc.logs {
				if got := readAll(t, s, loc, key, c); !bytes.Equal(got, l) {
					t.Errorf("log of %s: got %d bytes, want %d", c, len(got), len(l))
				}
			}
		})
	}
}

func TestArchiveReplaces(t *testing.T) {
	s, repo := testStore(t)
	key := mustKey(t)
	loc := Location{Repository: repo, Tag: "tr-pod"}
	ctx := context.Background()
	meta := Meta{Namespace: "ns", TaskRun: "tr", TaskRunUID: "u1"}
	for _, l := range []string{"first\n", "second\n"} {
		if _, err := Archive(ctx, s, loc, meta, key, "step-a", bytes.NewReader([]byte(l))); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(readAll(t, s, loc, key, "step-a")); got != "second\n" {
		t.Errorf("after a second put: %q, want the second log", got)
	}
	// A TaskRun of the same name recreated: the old archive goes whole.
	key2 := mustKey(t)
	meta.TaskRunUID = "u2"
	if _, err := Archive(ctx, s, loc, meta, key2, "step-b", bytes.NewReader([]byte("new\n"))); err != nil {
		t.Fatal(err)
	}
	x, err := s.List(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Entries) != 1 || x.Entries[0].Container != "step-b" || x.Meta.TaskRunUID != "u2" {
		t.Errorf("after a recreated TaskRun: %+v, want only step-b of u2", x)
	}
}

func TestReadRefused(t *testing.T) {
	s, repo := testStore(t)
	ctx := context.Background()
	loc := Location{Repository: repo, Tag: "tr-pod"}
	meta := Meta{Namespace: "ns", TaskRun: "tr", TaskRunUID: "u1"}
	if _, err := Archive(ctx, s, loc, meta, mustKey(t), "step-a", bytes.NewReader([]byte("secret\n"))); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, tag, container, key string
		notFound                  bool
	}{
		{"another key", "tr-pod", "step-a", mustKey(t), false},
		{"not a key", "tr-pod", "step-a", "nope", false},
		{"no such step", "tr-pod", "step-z", mustKey(t), true},
		{"no such archive", "other-pod", "step-a", mustKey(t), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := Read(ctx, s, Location{Repository: repo, Tag: tc.tag}, tc.key, tc.container)
			if err == nil {
				rc.Close()
				t.Fatal("Read succeeded, want an error")
			}
			if errors.Is(err, ErrNotFound) != tc.notFound {
				t.Errorf("Read: %v, not-found = %v, want %v", err, errors.Is(err, ErrNotFound), tc.notFound)
			}
		})
	}
}

// BenchmarkArchive measures sealing and uploading a 16 MiB log to an
// in-process registry; make bench measures 100 MiB on the local cluster.
func BenchmarkArchive(b *testing.B) {
	s, repo := testStore(b)
	key := mustKey(b)
	line := bytes.Repeat([]byte("2026-12-02T17:00:00Z step output line with some words in it\n"), 16<<20/60)
	meta := Meta{Namespace: "ns", TaskRun: "tr", TaskRunUID: "u1"}
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := Archive(context.Background(), s, Location{Repository: repo, Tag: "p"}, meta, key, "step-a", bytes.NewReader(line)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDelete(t *testing.T) {
	cases := []struct {
		name     string
		uid      string
		crashed  bool // a Delete stopped after deleting the digest
		wantGone bool
	}{
		{"its own TaskRun's", "u1", false, true},
		{"another TaskRun's of the same name", "u0", false, false},
		{"after a crash between digest and tag", "u1", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, repo := testStore(t)
			ctx := context.Background()
			key := mustKey(t)
			loc := Location{Repository: repo, Tag: "tr-pod"}
			meta := Meta{Namespace: "ns", TaskRun: "tr", TaskRunUID: "u1"}
			if _, err := Archive(ctx, s, loc, meta, key, "step-a", bytes.NewReader([]byte("a\n"))); err != nil {
				t.Fatal(err)
			}
			if tc.crashed {
				tag, _ := s.ref(loc)
				desc, err := remote.Get(tag)
				if err == nil {
					err = remote.Delete(tag.Repository.Digest(desc.Digest.String()))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Delete(ctx, loc, tc.uid); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			_, err := s.List(ctx, loc)
			if gone := errors.Is(err, ErrNotFound); gone != tc.wantGone {
				t.Fatalf("after Delete, List = %v; want gone %v", err, tc.wantGone)
			}
			if err := s.Delete(ctx, loc, tc.uid); err != nil {
				t.Errorf("Delete again: %v, want nil", err)
			}
		})
	}
}
