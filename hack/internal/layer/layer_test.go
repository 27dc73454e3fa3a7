package layer

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTar(t *testing.T) {
	t.Parallel()
	tree := Tree{
		"/usr/local/bin/app": {Data: []byte("x"), Mode: 0o755},
		"/bin/sh":            {Link: "/bin/busybox"},
		"/tmp":               {Dir: true, Mode: 0o1777},
	}
	tree.AddParents()
	data, err := Tar(tree)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uname != "root" || !h.ModTime.Equal(Epoch) {
			t.Errorf("%s: owner %q, time %v; want root at the epoch", h.Name, h.Uname, h.ModTime)
		}
		got = append(got, h.Name+" "+string(h.Typeflag)+" "+h.Linkname)
	}
	want := []string{
		"bin/ 5 ", "bin/sh 2 /bin/busybox", "tmp/ 5 ",
		"usr/ 5 ", "usr/local/ 5 ", "usr/local/bin/ 5 ", "usr/local/bin/app 0 ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
}

func TestTarRejectsRelativePaths(t *testing.T) {
	t.Parallel()
	if _, err := Tar(Tree{"etc/passwd": {Data: []byte("x")}}); err == nil {
		t.Error("a relative path was accepted")
	}
}

func TestNewIsReproducible(t *testing.T) {
	t.Parallel()
	digest := func() string {
		l, err := New(Tree{"/a": {Data: []byte("a"), Mode: 0o644}}, "")
		if err != nil {
			t.Fatal(err)
		}
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	if a, b := digest(), digest(); a != b {
		t.Errorf("digests differ: %s vs %s", a, b)
	}
}
