package main

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExecutorImage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "executor")
	certs := filepath.Join(dir, "ca.crt")
	for p, c := range map[string]string{exe: "#!binary", certs: "CERTS"} {
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := executorImage(exe, certs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := executorImage(exe, certs)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digests differ for the same inputs: %s, %s", d1, d2)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/kaniko/executor"}, cf.Config.Entrypoint); diff != "" {
		t.Errorf("entrypoint (-want +got):\n%s", diff)
	}
	if cf.Config.WorkingDir != "/workspace" {
		t.Errorf("working dir = %q, want /workspace", cf.Config.WorkingDir)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d (%v), want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
	}
	sort.Strings(got)
	want := []string{"etc/", "etc/nsswitch.conf", "kaniko/", "kaniko/.docker/", "kaniko/executor", "kaniko/ssl/",
		"kaniko/ssl/certs/", "kaniko/ssl/certs/ca-certificates.crt", "workspace/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layer files (-want +got):\n%s", diff)
	}
}
