package bundles

import (
	"archive/tar"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func emptyOCI() v1.Image { return empty.Image }

func TestBuild(t *testing.T) {
	t.Parallel()
	img, err := Build([][]byte{[]byte(buildTask), []byte(`{"apiVersion":"tekton.dev/v1","kind":"Pipeline","metadata":{"name":"ci"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for _, l := range m.Layers {
		got = append(got, l.Annotations)
		if l.MediaType != types.OCILayer {
			t.Errorf("layer media type = %s, want %s", l.MediaType, types.OCILayer)
		}
	}
	want := []map[string]string{
		{AnnotationAPIVersion: "tekton.dev/v1", AnnotationKind: "task", AnnotationName: "build"},
		{AnnotationAPIVersion: "tekton.dev/v1", AnnotationKind: "pipeline", AnnotationName: "ci"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	hdr, err := tar.NewReader(rc).Next()
	if err != nil || hdr.Name != "build" {
		t.Errorf("first tar entry = %v, %v; want file build", hdr, err)
	}
	again, err := Build([][]byte{[]byte(buildTask), []byte(`{"apiVersion":"tekton.dev/v1","kind":"Pipeline","metadata":{"name":"ci"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digests of the same objects differ: %s, %s", d1, d2)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	many := make([][]byte, MaxObjects+1)
	for i := range many {
		many[i] = []byte(buildTask)
	}
	tests := []struct {
		name    string
		objects [][]byte
		want    string
	}{
		{name: "none", want: "a bundle holds 1 to 20 objects, not 0"},
		{name: "too many", objects: many, want: "a bundle holds 1 to 20 objects, not 21"},
		{name: "no name", objects: [][]byte{[]byte("apiVersion: tekton.dev/v1\nkind: Task\n")}, want: "object 0: apiVersion, kind and metadata.name are required"},
		{name: "not yaml", objects: [][]byte{[]byte("{")}, want: "object 0:"},
		{name: "twice", objects: [][]byte{[]byte(buildTask), []byte(buildTask)}, want: "object 1: task/build is in the bundle twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Build(tc.objects)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "one", in: buildTask, want: []string{buildTask}},
		{name: "several, with empty and comment-only documents", in: "---\n" + buildTask + "---\n# nothing\n---\n" + lintTask, want: []string{buildTask, lintTask}},
		{name: "json", in: `{"apiVersion":"v1","kind":"Task","metadata":{"name":"j"}}`, want: []string{`{"apiVersion":"v1","kind":"Task","metadata":{"name":"j"}}` + "\n"}},
		{name: "empty", in: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Documents([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range docs {
				got = append(got, strings.TrimPrefix(string(d), "---\n"))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
		})
	}
}
