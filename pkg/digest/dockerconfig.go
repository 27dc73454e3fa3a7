package digest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Files that hold Docker credentials, in the order they are looked for in a
// directory: config.json (docker login, Tekton's creds-init output),
// .dockerconfigjson (a kubernetes.io/dockerconfigjson secret) and .dockercfg
// (a legacy kubernetes.io/dockercfg secret, a bare auths map).
var configFiles = []string{"config.json", ".dockerconfigjson", ".dockercfg"}

// DockerConfigOptions are the inputs of WriteDockerConfig.
type DockerConfigOptions struct {
	// Dirs are searched in order; a registry's credentials come from the
	// first directory that has them. Empty or missing directories are
	// skipped (an unbound optional workspace has an empty path).
	Dirs []string
	// SecretsDirs hold one directory per mounted secret (Tekton mounts
	// ServiceAccount secrets at /tekton/creds-secrets/<name>); each
	// subdirectory is read like an entry of Dirs, in name order, after Dirs.
	SecretsDirs []string
	// Out is the directory that receives config.json.
	Out string
}

// WriteDockerConfig merges the "auths" of every credentials file found into
// Out/config.json and returns the registries it holds. Having no credentials
// is not an error: public and local registries need none.
func WriteDockerConfig(o DockerConfigOptions) ([]string, error) {
	if o.Out == "" {
		return nil, errors.New("no output directory for config.json")
	}
	dirs := append([]string(nil), o.Dirs...)
	for _, s := range o.SecretsDirs {
		sub, err := subdirs(s)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, sub...)
	}
	auths := map[string]json.RawMessage{}
	for _, d := range dirs {
		if err := mergeDir(auths, d); err != nil {
			return nil, err
		}
	}
	return writeConfig(o.Out, auths)
}

// mergeDir adds the auths of every credentials file in dir that are not
// already present.
func mergeDir(auths map[string]json.RawMessage, dir string) error {
	if dir == "" {
		return nil
	}
	for _, f := range configFiles {
		p := filepath.Join(dir, f)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading docker credentials: %w", err)
		}
		got, err := parseAuths(f, b)
		if err != nil {
			return fmt.Errorf("docker credentials %s: %w", p, err)
		}
		for host, a := range got {
			if _, ok := auths[host]; !ok {
				auths[host] = a
			}
		}
	}
	return nil
}

// parseAuths returns the per-registry entries of a credentials file.
func parseAuths(file string, b []byte) (map[string]json.RawMessage, error) {
	if file == ".dockercfg" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("not a JSON object of registries: %w", err)
		}
		return m, nil
	}
	var c struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("not a docker config (want {\"auths\": {...}}): %w", err)
	}
	return c.Auths, nil
}

func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing secrets: %w", err)
	}
	var out []string
	for _, e := range entries {
		// Secret volumes are symlinks to ..data directories; Stat follows them.
		p := filepath.Join(dir, e.Name())
		if st, err := os.Stat(p); err == nil && st.IsDir() && e.Name()[0] != '.' {
			out = append(out, p)
		}
	}
	return out, nil
}

func writeConfig(out string, auths map[string]json.RawMessage) ([]string, error) {
	b, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding config.json: %w", err)
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fmt.Errorf("writing config.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "config.json"), b, 0o600); err != nil {
		return nil, fmt.Errorf("writing config.json: %w", err)
	}
	hosts := make([]string, 0, len(auths))
	for h := range auths {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts, nil
}
