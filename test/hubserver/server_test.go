package hubserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := New()
	s.Add("tekton-catalog-tasks", "task", "git-clone", "0.6.0", []byte("clone 0.6.0"))
	s.Add("tekton-catalog-tasks", "task", "git-clone", "0.9", []byte("clone 0.9"))
	s.Add("tekton-catalog-tasks", "task", "git-clone", "1.0.0-rc1", []byte("clone rc"))
	s.Add("Tekton", "Task", "golang-build", "0.3", []byte("golang 0.3"))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func TestServer(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	tests := []struct {
		path       string
		wantStatus int
		want       string
	}{
		{path: "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.6.0",
			want: `{"available_versions":[{"prerelease":false,"version":"0.6.0"},{"prerelease":false,"version":"0.9.0"},{"prerelease":true,"version":"1.0.0-rc1"}],"data":{"manifestRaw":"clone 0.6.0"},"name":"git-clone","repository":{"name":"tekton-catalog-tasks"},"version":"0.6.0"}`},
		{path: "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.9.0",
			want: `{"available_versions":[{"prerelease":false,"version":"0.6.0"},{"prerelease":false,"version":"0.9.0"},{"prerelease":true,"version":"1.0.0-rc1"}],"data":{"manifestRaw":"clone 0.9"},"name":"git-clone","repository":{"name":"tekton-catalog-tasks"},"version":"0.9.0"}`},
		{path: "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone",
			want: `{"available_versions":[{"prerelease":false,"version":"0.6.0"},{"prerelease":false,"version":"0.9.0"},{"prerelease":true,"version":"1.0.0-rc1"}],"data":{"manifestRaw":"clone rc"},"name":"git-clone","repository":{"name":"tekton-catalog-tasks"},"version":"1.0.0-rc1"}`},
		{path: "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.9", wantStatus: http.StatusNotFound},
		{path: "/api/v1/packages/tekton-pipeline/tekton-catalog-tasks/git-clone/0.6.0", wantStatus: http.StatusNotFound},
		{path: "/api/v1/packages/task/tekton-catalog-tasks/git-clone/0.6.0", wantStatus: http.StatusNotFound},
		{path: "/v1/resource/Tekton/task/golang-build/0.3/yaml", want: `{"data":{"yaml":"golang 0.3"}}`},
		{path: "/v1/resource/tekton-catalog-tasks/task/git-clone/0.6/yaml", want: `{"data":{"yaml":"clone 0.6.0"}}`},
		{path: "/v1/resource/tekton-catalog-tasks/task/git-clone/1.0/yaml", want: `{"data":{"yaml":"clone rc"}}`},
		{path: "/v1/resource/tekton-catalog-tasks/task/git-clone/0.6.0/yaml", wantStatus: http.StatusNotFound},
		{path: "/v1/resource/tekton-catalog-tasks/task/git-clone",
			want: `{"data":{"kind":"task","latestVersion":{"version":"1.0"},"name":"git-clone","versions":[{"version":"0.6"},{"version":"0.9"},{"version":"1.0"}]}}`},
		{path: "/v1/resource/Tekton/task/nope", wantStatus: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			want := tc.wantStatus
			if want == 0 {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, want)
			}
			if tc.want == "" {
				return
			}
			var got any
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if diff := cmp.Diff(tc.want, string(b)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		wantN   int
		wantErr bool
	}{
		{name: "layout", files: map[string]string{
			"tekton-catalog-tasks/task/hello/0.1.0.yaml":    "hello",
			"tekton-catalog-tasks/task/hello/0.2.0.yml":     "hello 2",
			"tekton-catalog-pipelines/pipeline/ci/1.0.yaml": "ci",
			"README.md": "ignored",
		}, wantN: 3},
		{name: "wrong depth", files: map[string]string{"task/hello.yaml": "x"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for p, content := range tc.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := New()
			n, err := s.AddDir(root)
			if (err != nil) != tc.wantErr || n != tc.wantN {
				t.Fatalf("AddDir = %d, %v; want %d, error %v", n, err, tc.wantN, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			rel, ok := find(s.releases("tekton-catalog-tasks", "task", "hello"), "0.2.0", artifactVersion)
			if !ok || string(rel.yaml) != "hello 2" {
				t.Errorf("hello 0.2.0 = %q, %v; want %q", rel.yaml, ok, "hello 2")
			}
		})
	}
}
