package git

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/kevinburke/ssh_config"
	"golang.org/x/crypto/ssh"
)

// sshKeyNames are the private keys looked for in an ssh directory, in order.
var sshKeyNames = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// authFor picks the credentials for ep. It returns nil (and no error) when
// nothing matches, so public repositories need no credentials.
func authFor(c Credentials, ep *transport.Endpoint) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		return basicAuthFor(c, ep)
	case "ssh":
		return sshAuthFor(c, ep)
	}
	return nil, nil
}

func basicAuthFor(c Credentials, ep *transport.Endpoint) (transport.AuthMethod, error) {
	if ep.User != "" {
		return nil, nil // go-git uses the URL's own user and password.
	}
	for _, dir := range c.BasicAuthDirs {
		a, err := gitCredentials(dir, ep)
		if a != nil || err != nil {
			return a, err
		}
	}
	for _, s := range c.Secrets {
		if s.Kind != BasicAuthSecret || !matchURL(s.Match, ep) {
			continue
		}
		user, err := readSecretKey(s.Dir, "username")
		if err != nil {
			return nil, err
		}
		pass, err := readSecretKey(s.Dir, "password")
		if err != nil {
			return nil, err
		}
		return &githttp.BasicAuth{Username: user, Password: pass}, nil
	}
	return nil, nil
}

func sshAuthFor(c Credentials, ep *transport.Endpoint) (transport.AuthMethod, error) {
	user := ep.User
	if user == "" {
		user = "git"
	}
	for _, dir := range c.SSHDirs {
		if key := sshKeyIn(dir, ep.Host); key != "" {
			return sshKeys(user, key, filepath.Join(dir, "known_hosts"))
		}
	}
	for _, s := range c.Secrets {
		if s.Kind == SSHAuthSecret && matchHost(s.Match, ep) {
			return sshKeys(user, filepath.Join(s.Dir, "ssh-privatekey"), filepath.Join(s.Dir, "known_hosts"))
		}
	}
	return nil, nil
}

// sshKeyIn finds the private key for host in an ssh directory: the
// IdentityFile its config names for host, else a default key name.
func sshKeyIn(dir, host string) string {
	if f, err := os.Open(filepath.Join(dir, "config")); err == nil {
		defer f.Close()
		if cfg, err := ssh_config.Decode(f); err == nil {
			if id, _ := cfg.Get(host, "IdentityFile"); id != "" && !strings.HasPrefix(id, "~") {
				return id
			}
		}
	}
	for _, name := range sshKeyNames {
		key := filepath.Join(dir, name)
		if _, err := os.Stat(key); err == nil {
			return key
		}
	}
	return ""
}

// sshKeys loads a private key and, when the file exists, known_hosts.
func sshKeys(user, keyPath, knownHosts string) (transport.AuthMethod, error) {
	keys, err := gitssh.NewPublicKeysFromFile(user, keyPath, "")
	if err != nil {
		return nil, fmt.Errorf("loading SSH key %s: %w", keyPath, err)
	}
	if _, err := os.Stat(knownHosts); err == nil {
		cb, err := gitssh.NewKnownHostsCallback(knownHosts)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", knownHosts, err)
		}
		keys.HostKeyCallback = cb
	} else {
		keys.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // documented: no known_hosts means no host check.
	}
	return keys, nil
}

func readSecretKey(dir, key string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, key))
	if err != nil {
		return "", fmt.Errorf("reading secret key %q: %w", key, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// matchURL reports whether pattern (a URL prefix, or a bare host[:port])
// covers ep. An empty pattern matches everything.
func matchURL(pattern string, ep *transport.Endpoint) bool {
	if pattern == "" {
		return true
	}
	if !strings.Contains(pattern, "://") {
		return matchHost(pattern, ep)
	}
	u, err := url.Parse(pattern)
	if err != nil || u.Scheme != ep.Protocol || !matchHost(u.Host, ep) {
		return false
	}
	prefix := strings.TrimSuffix(u.Path, "/")
	return prefix == "" || ep.Path == prefix || strings.HasPrefix(ep.Path, prefix+"/")
}

// matchHost reports whether hostport ("host" or "host:port") is ep's host.
func matchHost(hostport string, ep *transport.Endpoint) bool {
	if hostport == "" {
		return true
	}
	host, port, err := splitHostPort(hostport)
	if err != nil || !strings.EqualFold(host, ep.Host) {
		return false
	}
	return port == 0 || port == effectivePort(ep)
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 || strings.HasSuffix(s, "]") {
		return strings.Trim(s, "[]"), 0, nil
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "", 0, fmt.Errorf("bad port in %q: %w", s, err)
	}
	return strings.Trim(s[:i], "[]"), p, nil
}

func effectivePort(ep *transport.Endpoint) int {
	if ep.Port != 0 {
		return ep.Port
	}
	switch ep.Protocol {
	case "https":
		return 443
	case "http":
		return 80
	case "ssh":
		return 22
	}
	return 0
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
