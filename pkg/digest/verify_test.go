package digest

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// push writes a random image to ref and returns its digest.
func push(t *testing.T, ref string) v1.Hash {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerify(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	pushed := push(t, host+"/app:ok")
	other := push(t, host+"/app:overwritten")
	_ = push(t, host+"/app:overwritten") // a later push moves the tag

	tests := []struct {
		name    string
		image   string
		content string // of the digest file; "-" means no file
		wantErr string
		wantIs  error
	}{
		{name: "match", image: host + "/app:ok", content: pushed.String() + "\n"},
		{name: "by digest", image: host + "/app@" + pushed.String(), content: pushed.String()},
		{name: "mismatch", image: host + "/app:overwritten", content: other.String(), wantErr: "but kaniko wrote " + other.String()},
		{name: "empty digest file", image: host + "/app:ok", content: "", wantIs: ErrEmptyDigestFile},
		{name: "no digest file", image: host + "/app:ok", content: "-", wantErr: "reading kaniko's digest file"},
		{name: "bad digest", image: host + "/app:ok", content: "sha256:zz", wantErr: "digest file"},
		{name: "unknown tag", image: host + "/app:missing", content: pushed.String(), wantErr: "asking the registry for the digest"},
		{name: "bad reference", image: "UPPER/Case", content: pushed.String(), wantErr: "parsing image reference"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			digestFile := filepath.Join(dir, "digest")
			if tc.content != "-" {
				writeFile(t, dir, "digest", tc.content)
			}
			o := VerifyOptions{
				Image: tc.image, DigestFile: digestFile, Keychain: authn.NewMultiKeychain(),
				DigestResult: filepath.Join(dir, "results", "IMAGE_DIGEST"),
				URLResult:    filepath.Join(dir, "results", "IMAGE_URL"),
			}
			got, err := Verify(context.Background(), o)
			if tc.wantErr != "" || tc.wantIs != nil {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.wantIs != nil && !errors.Is(err, tc.wantIs)) {
					t.Fatalf("Verify() error = %v, want one containing %q (is %v)", err, tc.wantErr, tc.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if got != pushed {
				t.Errorf("Verify() = %s, want %s", got, pushed)
			}
			for file, want := range map[string]string{o.DigestResult: pushed.String(), o.URLResult: tc.image} {
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, string(b)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", file, diff)
				}
			}
		})
	}
}

func TestMismatchErrorIsTyped(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	first := push(t, host+"/app:v")
	second := push(t, host+"/app:v")
	f := writeFile(t, t.TempDir(), "digest", first.String())
	_, err := Verify(context.Background(), VerifyOptions{Image: host + "/app:v", DigestFile: f, Keychain: authn.NewMultiKeychain()})
	var m *MismatchError
	if !errors.As(err, &m) {
		t.Fatalf("Verify() error = %v, want a *MismatchError", err)
	}
	if diff := cmp.Diff(MismatchError{Ref: host + "/app:v", Kaniko: first, Registry: second}, *m); diff != "" {
		t.Errorf("MismatchError (-want +got):\n%s", diff)
	}
}

func TestParseKanikoArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want TLS
	}{
		{name: "none"},
		{name: "unrelated flags", args: []string{"--insecure-pull", "--cache=true", "--registry-mirror=10.0.0.1:5000"}},
		{name: "insecure", args: []string{"--insecure", "--skip-tls-verify"}, want: TLS{Insecure: true, SkipVerify: true}},
		{name: "explicit false", args: []string{"--insecure=false", "--skip-tls-verify=true"}, want: TLS{SkipVerify: true}},
		{name: "single dash", args: []string{"-insecure"}, want: TLS{Insecure: true}},
		{name: "registries", args: []string{"--insecure-registry=a:5000", "--insecure-registry", "b", "--skip-tls-verify-registry=c"},
			want: TLS{InsecureRegistries: []string{"a:5000", "b"}, SkipVerifyRegistries: []string{"c"}}},
		{name: "trailing flag without value", args: []string{"--insecure-registry"}},
		{name: "positional ignored", args: []string{"insecure"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, ParseKanikoArgs(tc.args)); diff != "" {
				t.Errorf("ParseKanikoArgs(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestNameOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tls   TLS
		image string
		want  string // scheme ggcr picks
	}{
		{name: "public https", image: "example.com/app:v", want: "https"},
		{name: "insecure everywhere", tls: TLS{Insecure: true}, image: "example.com/app:v", want: "http"},
		{name: "insecure registry", tls: TLS{InsecureRegistries: []string{"example.com"}}, image: "example.com/app:v", want: "http"},
		{name: "other insecure registry", tls: TLS{InsecureRegistries: []string{"other.com"}}, image: "example.com/app:v", want: "https"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, err := name.ParseReference(tc.image, tc.tls.nameOptions(tc.image)...)
			if err != nil {
				t.Fatal(err)
			}
			if got := ref.Context().Scheme(); got != tc.want {
				t.Errorf("scheme = %s, want %s", got, tc.want)
			}
		})
	}
}
