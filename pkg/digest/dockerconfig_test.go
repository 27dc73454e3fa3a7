package digest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteDockerConfig(t *testing.T) {
	t.Parallel()
	const (
		cfgA   = `{"auths": {"a.io": {"auth": "d29ya3NwYWNl"}, "b.io": {"auth": "d29ya3NwYWNl"}}}`
		cfgB   = `{"auths": {"b.io": {"auth": "c2VjcmV0"}, "c.io": {"username": "u", "password": "p"}}}`
		legacy = `{"d.io": {"auth": "bGVnYWN5"}}`
	)
	tests := []struct {
		name      string
		files     map[string]string // relative path -> content
		dirs      []string
		secrets   []string
		wantHosts []string
		wantAuth  string // b.io's auth in the output
		wantErr   bool
	}{
		{name: "nothing", dirs: []string{"", "missing"}, wantHosts: []string{}},
		{name: "workspace config.json", files: map[string]string{"ws/config.json": cfgA}, dirs: []string{"ws"},
			wantHosts: []string{"a.io", "b.io"}, wantAuth: "d29ya3NwYWNl"},
		{name: "first dir wins", files: map[string]string{"ws/.dockerconfigjson": cfgB, "home/.docker/config.json": cfgA},
			dirs: []string{"ws", "home/.docker"}, wantHosts: []string{"a.io", "b.io", "c.io"}, wantAuth: "c2VjcmV0"},
		{name: "secrets after dirs", files: map[string]string{"ws/config.json": cfgA, "secrets/reg/.dockerconfigjson": cfgB, "secrets/old/.dockercfg": legacy},
			dirs: []string{"ws"}, secrets: []string{"secrets", "nosecrets"}, wantHosts: []string{"a.io", "b.io", "c.io", "d.io"}, wantAuth: "d29ya3NwYWNl"},
		{name: "bad json", files: map[string]string{"ws/config.json": "{"}, dirs: []string{"ws"}, wantErr: true},
		{name: "legacy not an object", files: map[string]string{"ws/.dockercfg": "[]"}, dirs: []string{"ws"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for p, c := range tc.files {
				p = filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Dir(p), filepath.Base(p), c)
			}
			o := DockerConfigOptions{Out: filepath.Join(root, "out")}
			for _, d := range tc.dirs {
				if d != "" {
					d = filepath.Join(root, d)
				}
				o.Dirs = append(o.Dirs, d)
			}
			for _, s := range tc.secrets {
				o.SecretsDirs = append(o.SecretsDirs, filepath.Join(root, s))
			}
			hosts, err := WriteDockerConfig(o)
			if tc.wantErr {
				if err == nil {
					t.Fatal("WriteDockerConfig() succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("WriteDockerConfig() error = %v", err)
			}
			if diff := cmp.Diff(tc.wantHosts, hosts); diff != "" {
				t.Errorf("hosts (-want +got):\n%s", diff)
			}
			checkAuth(t, filepath.Join(o.Out, "config.json"), tc.wantAuth)
		})
	}
}

func TestWriteDockerConfigNeedsOut(t *testing.T) {
	t.Parallel()
	if _, err := WriteDockerConfig(DockerConfigOptions{}); err == nil {
		t.Fatal("WriteDockerConfig() without Out succeeded, want an error")
	}
}

// checkAuth reads the written config.json and compares b.io's auth.
func checkAuth(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("config.json is not JSON: %v\n%s", err, b)
	}
	if got := c.Auths["b.io"].Auth; got != want {
		t.Errorf("b.io auth = %q, want %q", got, want)
	}
}
