package image

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	ggcrv1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	clocktesting "k8s.io/utils/clock/testing"
)

// testRegistry serves an in-memory registry and counts its requests.
func testRegistry(t *testing.T) (host string, requests *atomic.Int64) {
	t.Helper()
	requests = &atomic.Int64{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), requests
}

func imageWith(t *testing.T, entrypoint, cmd []string, arch string) ggcrv1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Entrypoint, cf.Config.Cmd = entrypoint, cmd
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func push(t *testing.T, ref string, img ggcrv1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

func pushIndex(t *testing.T, ref string, imgs map[string]ggcrv1.Image) {
	t.Helper()
	idx := ggcrv1.ImageIndex(empty.Index)
	for arch, img := range imgs {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: ggcrv1.Descriptor{Platform: &ggcrv1.Platform{OS: "linux", Architecture: arch}}})
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
}

func newTestRemote() Resolver {
	return NewRemote(nil, withKeychain(authn.NewMultiKeychain()),
		WithPlatform(ggcrv1.Platform{OS: "linux", Architecture: "amd64"}))
}

func TestRemoteEntrypoint(t *testing.T) {
	t.Parallel()
	host, _ := testRegistry(t)
	push(t, host+"/tools/plain:v1", imageWith(t, []string{"/bin/tool"}, []string{"--help"}, "amd64"))
	pushIndex(t, host+"/tools/multi:v1", map[string]ggcrv1.Image{
		"amd64": imageWith(t, []string{"/amd64"}, nil, "amd64"),
		"arm64": imageWith(t, []string{"/arm64"}, nil, "arm64"),
	})
	pushIndex(t, host+"/tools/armonly:v1", map[string]ggcrv1.Image{"arm64": imageWith(t, []string{"/arm64"}, nil, "arm64")})
	tests := []struct {
		name    string
		req     Request
		want    Config
		wantErr string
		perm    bool
	}{
		{name: "plain image", req: Request{Image: host + "/tools/plain:v1"},
			want: Config{Entrypoint: []string{"/bin/tool"}, Cmd: []string{"--help"}}},
		{name: "index picks amd64", req: Request{Image: host + "/tools/multi:v1"},
			want: Config{Entrypoint: []string{"/amd64"}}},
		{name: "mirror rewrites the registry", req: Request{Image: "docker.io/tools/plain:v1",
			Mirrors: map[string]string{"index.docker.io": host}},
			want: Config{Entrypoint: []string{"/bin/tool"}, Cmd: []string{"--help"}}},
		{name: "missing platform", req: Request{Image: host + "/tools/armonly:v1"}, perm: true,
			wantErr: "no matching platform linux/amd64 in index (it has [linux/arm64])"},
		{name: "missing image", req: Request{Image: host + "/tools/nope:v1"}, perm: true, wantErr: "NAME_UNKNOWN"},
		{name: "bad reference", req: Request{Image: "UPPER/case::x"}, perm: true, wantErr: "parsing image reference"},
	}
	r := newTestRemote()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.Entrypoint(context.Background(), tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				if IsPermanent(err) != tc.perm {
					t.Errorf("IsPermanent = %v, want %v", !tc.perm, tc.perm)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.Digest, "sha256:") {
				t.Errorf("Digest = %q, want a sha256 digest", got.Digest)
			}
			got.Digest = ""
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	mirrors := map[string]string{"index.docker.io": "localhost:5000", "gcr.io": "mirror.local"}
	tests := []struct {
		in, want string
		insecure []string
	}{
		{in: "alpine", want: "localhost:5000/library/alpine:latest"},
		{in: "gcr.io/p/img@sha256:" + strings.Repeat("a", 64), want: "mirror.local/p/img@sha256:" + strings.Repeat("a", 64)},
		{in: "ghcr.io/o/img:v1", want: "ghcr.io/o/img:v1"},
		{in: "reg.local:5000/team/tool:v1", want: "reg.local:5000/team/tool:v1", insecure: []string{"reg.local:5000"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			ref, err := Reference(tc.in, mirrors, tc.insecure)
			if err != nil {
				t.Fatal(err)
			}
			if got := ref.Name(); got != tc.want {
				t.Errorf("Reference(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(tc.insecure) > 0 && ref.Context().Scheme() != "http" {
				t.Errorf("scheme = %q, want http for an insecure registry", ref.Context().Scheme())
			}
		})
	}
}

// countingResolver is a fake Resolver that counts its calls.
type countingResolver struct {
	calls  atomic.Int64
	digest string
	err    error
}

func (c *countingResolver) Entrypoint(context.Context, Request) (Config, error) {
	c.calls.Add(1)
	return Config{Digest: c.digest, Entrypoint: []string{"/e"}}, c.err
}

func TestCache(t *testing.T) {
	t.Parallel()
	clk := clocktesting.NewFakePassiveClock(time.Now())
	inner := &countingResolver{digest: "sha256:abc"}
	c := newCache(inner, time.Minute, clk)
	ctx := context.Background()
	get := func(image string) {
		t.Helper()
		got, err := c.Entrypoint(ctx, Request{Image: image})
		if err != nil || got.Entrypoint[0] != "/e" {
			t.Fatalf("Entrypoint(%q) = %v, %v", image, got, err)
		}
		got.Entrypoint[0] = "mutated" // must not leak into the cache
	}
	get("img:v1")
	get("img:v1")
	get("img@sha256:abc") // same digest: cached via the tag's lookup
	if n := inner.calls.Load(); n != 1 {
		t.Errorf("inner calls = %d, want 1", n)
	}
	clk.SetTime(clk.Now().Add(2 * time.Minute))
	get("img:v1") // tag expired
	get("img@sha256:abc")
	if n := inner.calls.Load(); n != 2 {
		t.Errorf("inner calls after TTL = %d, want 2", n)
	}

	failing := newCache(&countingResolver{err: errors.New("down")}, 0, clk)
	if _, err := failing.Entrypoint(ctx, Request{Image: "x:v1"}); err == nil {
		t.Error("error not passed through")
	}
}

func TestCacheRemoteRoundTrips(t *testing.T) {
	t.Parallel()
	host, requests := testRegistry(t)
	push(t, host+"/tools/plain:v1", imageWith(t, []string{"/bin/tool"}, nil, "amd64"))
	c := NewCache(newTestRemote(), time.Minute)
	for range 3 {
		if _, err := c.Entrypoint(context.Background(), Request{Image: host + "/tools/plain:v1"}); err != nil {
			t.Fatal(err)
		}
	}
	first := requests.Load()
	if _, err := c.Entrypoint(context.Background(), Request{Image: host + "/tools/plain:v1"}); err != nil {
		t.Fatal(err)
	}
	if requests.Load() != first {
		t.Errorf("a cached lookup reached the registry (%d requests, then %d)", first, requests.Load())
	}
}
