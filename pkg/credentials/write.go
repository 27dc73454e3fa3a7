package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Files Write creates under its target directory.
const (
	GitCredentialsFile = ".git-credentials"
	GitConfigFile      = ".gitconfig"
	SSHDir             = ".ssh"
	SSHConfigFile      = ".ssh/config"
	KnownHostsFile     = ".ssh/known_hosts"
	DockerConfigFile   = ".docker/config.json"
)

// defaultSSHPort is written when a target gives no port, as Tekton does.
const defaultSSHPort = "22"

// Write turns creds into credential files under dst, reading each secret
// from secretsDir/<secret>/<key> (a secret volume). It writes only the
// files some credential needs, replacing any that exist. Malformed secret
// data (a docker config that is not JSON, a missing key) is an error that
// names the secret and the key, never the data.
func Write(creds []Credential, secretsDir, dst string) error {
	byKind := map[Kind][]Credential{}
	for _, c := range creds {
		if err := c.validate(); err != nil {
			return fmt.Errorf("secret %q: %w", c.Secret, err)
		}
		byKind[c.Kind] = append(byKind[c.Kind], c)
	}
	r := reader{dir: secretsDir}
	if err := writeGit(r, byKind[BasicGit], dst); err != nil {
		return err
	}
	if err := writeSSH(r, byKind[SSHGit], dst); err != nil {
		return err
	}
	docker := append(append(byKind[DockerCfg], byKind[DockerConfig]...), byKind[BasicDocker]...)
	return writeDocker(r, docker, dst)
}

// reader reads keys of mounted secrets.
type reader struct{ dir string }

func (r reader) read(secret, key string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, secret, key))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("secret %q has no key %q (is it mounted at %s?)", secret, key, filepath.Join(r.dir, secret))
		}
		return nil, fmt.Errorf("reading key %q of secret %q: %w", key, secret, err)
	}
	return b, nil
}

func (r reader) userPass(secret string) (string, string, error) {
	user, err := r.read(secret, KeyUsername)
	if err != nil {
		return "", "", err
	}
	pass, err := r.read(secret, KeyPassword)
	if err != nil {
		return "", "", err
	}
	return string(user), string(pass), nil
}

// writeGit writes .git-credentials (one URL with user and password per
// credential) and .gitconfig (the store helper and each URL's user name).
func writeGit(r reader, creds []Credential, dst string) error {
	if len(creds) == 0 {
		return nil
	}
	var store, cfg bytes.Buffer
	cfg.WriteString("[credential]\n\thelper = store\n")
	for _, c := range creds {
		user, pass, err := r.userPass(c.Secret)
		if err != nil {
			return err
		}
		u, err := url.Parse(c.Target)
		if err != nil {
			return fmt.Errorf("secret %q: %w", c.Secret, err)
		}
		u.User = url.UserPassword(user, pass)
		store.WriteString(u.String() + "\n")
		fmt.Fprintf(&cfg, "[credential %s]\n\tusername = %s\n", quoteGit(c.Target), quoteGit(user))
	}
	if err := writeFile(filepath.Join(dst, GitCredentialsFile), store.Bytes()); err != nil {
		return err
	}
	return writeFile(filepath.Join(dst, GitConfigFile), cfg.Bytes())
}

// quoteGit quotes s as a git config string value or subsection name.
func quoteGit(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// writeSSH writes one key per secret, .ssh/config with a Host block per
// credential and .ssh/known_hosts from the secrets that have one. A host
// without known_hosts accepts a new host key on first use, as in Tekton.
func writeSSH(r reader, creds []Credential, dst string) error {
	if len(creds) == 0 {
		return nil
	}
	dir := filepath.Join(dst, SSHDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	var cfg, known bytes.Buffer
	keys := map[string]bool{}
	for _, c := range creds {
		idFile := filepath.Join(dir, "id_"+c.Secret)
		if !keys[c.Secret] {
			key, err := r.read(c.Secret, KeySSHPrivateKey)
			if err != nil {
				return err
			}
			if err := writeFile(idFile, withNewline(key)); err != nil {
				return err
			}
			kh, err := r.read(c.Secret, KeyKnownHosts)
			if err == nil {
				known.Write(withNewline(kh))
			}
			keys[c.Secret] = true
		}
		host, port := c.Target, defaultSSHPort
		if h, p, err := net.SplitHostPort(c.Target); err == nil {
			host, port = h, p
		}
		fmt.Fprintf(&cfg, "Host %s\n    HostName %s\n    Port %s\n    IdentityFile %s\n", host, host, port, idFile)
		if _, err := os.Stat(filepath.Join(r.dir, c.Secret, KeyKnownHosts)); err != nil {
			cfg.WriteString("    StrictHostKeyChecking accept-new\n")
		}
	}
	if err := writeFile(filepath.Join(dst, SSHConfigFile), cfg.Bytes()); err != nil {
		return err
	}
	if known.Len() == 0 {
		return nil
	}
	return writeFile(filepath.Join(dst, KnownHostsFile), known.Bytes())
}

func withNewline(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return append(b, '\n')
	}
	return b
}

// basicEntry is an auths entry made from a basic-auth secret.
type basicEntry struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

// writeDocker merges the auths of docker config secrets (the first secret
// to name a registry wins) and basic-auth secrets (which override them, as
// in Tekton) into .docker/config.json.
func writeDocker(r reader, creds []Credential, dst string) error {
	if len(creds) == 0 {
		return nil
	}
	auths := map[string]json.RawMessage{}
	for _, c := range creds {
		if c.Kind == BasicDocker {
			user, pass, err := r.userPass(c.Secret)
			if err != nil {
				return err
			}
			e, _ := json.Marshal(basicEntry{Username: user, Password: pass,
				Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))})
			auths[c.Target] = e
			continue
		}
		found, err := configAuths(r, c)
		if err != nil {
			return err
		}
		for k, v := range found {
			if _, ok := auths[k]; !ok {
				auths[k] = v
			}
		}
	}
	b, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding docker config: %w", err)
	}
	return writeFile(filepath.Join(dst, DockerConfigFile), b)
}

// configAuths reads the auths of a dockerconfigjson ({"auths": {...}}) or
// dockercfg (a bare map) secret.
func configAuths(r reader, c Credential) (map[string]json.RawMessage, error) {
	key := KeyDockerConfigJSON
	if c.Kind == DockerCfg {
		key = KeyDockercfg
	}
	b, err := r.read(c.Secret, key)
	if err != nil {
		return nil, err
	}
	var auths map[string]json.RawMessage
	if c.Kind == DockerCfg {
		err = json.Unmarshal(b, &auths)
	} else {
		var f struct {
			Auths map[string]json.RawMessage `json:"auths"`
		}
		err = json.Unmarshal(b, &f)
		auths = f.Auths
	}
	if err != nil {
		// The JSON error could quote the data; report only where it is.
		return nil, fmt.Errorf("secret %q: key %q is not a docker config (invalid JSON)", c.Secret, key)
	}
	return auths, nil
}

// writeFile writes a credential file readable by its owner only.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
