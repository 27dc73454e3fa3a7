package git

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // known_hosts hashes host names with HMAC-SHA1.
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHosts are the host keys of an ssh-auth Secret's known_hosts, kept
// in memory: x/crypto's knownhosts reads only files, and the controller
// has no writable disk.
type knownHosts struct {
	// given is false when the Secret has no known_hosts: then any host key
	// is accepted, as Tekton does.
	given   bool
	entries []knownHost
}

// knownHost is one known_hosts line.
type knownHost struct {
	patterns []string
	key      ssh.PublicKey
	revoked  bool
}

// hostKeyError is a server's host key that known_hosts does not accept.
type hostKeyError struct {
	host   string
	reason string
}

func (e *hostKeyError) Error() string {
	return fmt.Sprintf("host key of %s %s", e.host, e.reason)
}

// parseKnownHosts reads OpenSSH known_hosts lines: plain, wildcard,
// negated and hashed host patterns, and @revoked. @cert-authority lines
// are skipped (host certificates are not supported).
func parseKnownHosts(data []byte) (knownHosts, error) {
	k := knownHosts{given: len(bytes.TrimSpace(data)) > 0}
	for len(data) > 0 {
		marker, hosts, key, _, rest, err := ssh.ParseKnownHosts(data)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return knownHosts{}, fmt.Errorf("parsing known_hosts: %w", err)
		}
		data = rest
		if marker == "cert-authority" {
			continue
		}
		k.entries = append(k.entries, knownHost{patterns: hosts, key: key, revoked: marker == "revoked"})
	}
	return k, nil
}

// check returns the host key callback for a server at addr (host:port),
// and the key algorithms to ask it for: those known_hosts has for it, so
// that a server with several keys presents one that can be checked.
func (k knownHosts) check(addr string) (ssh.HostKeyCallback, []string) {
	if !k.given {
		return ssh.InsecureIgnoreHostKey(), nil //nolint:gosec // Tekton's behavior without known_hosts.
	}
	var algos []string
	seen := map[string]bool{}
	for _, e := range k.forHost(knownhosts.Normalize(addr)) {
		for _, a := range algorithms(e.key.Type()) {
			if !e.revoked && !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return k.verify, algos
}

func (k knownHosts) verify(hostname string, _ net.Addr, key ssh.PublicKey) error {
	host := knownhosts.Normalize(hostname)
	known := false
	for _, e := range k.forHost(host) {
		if !bytes.Equal(e.key.Marshal(), key.Marshal()) {
			continue
		}
		if e.revoked {
			return &hostKeyError{host: host, reason: "is revoked in known_hosts"}
		}
		known = true
	}
	if !known {
		return &hostKeyError{host: host, reason: fmt.Sprintf("(%s) is not in known_hosts", key.Type())}
	}
	return nil
}

func (k knownHosts) forHost(host string) []knownHost {
	var out []knownHost
	for _, e := range k.entries {
		if matchHost(e.patterns, host) {
			out = append(out, e)
		}
	}
	return out
}

// algorithms are the host key algorithms that verify a key of type t.
func algorithms(t string) []string {
	if t == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{t}
}

// matchHost applies a line's patterns to host ("name" or "[name]:port"):
// one must match and no negated one may.
func matchHost(patterns []string, host string) bool {
	host = strings.ToLower(host)
	matched := false
	for _, p := range patterns {
		negated := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if !matchPattern(p, host) {
			continue
		}
		if negated {
			return false
		}
		matched = true
	}
	return matched
}

func matchPattern(p, host string) bool {
	if strings.HasPrefix(p, "|1|") {
		return matchHashed(strings.TrimPrefix(p, "|1|"), host)
	}
	return wildcard(strings.ToLower(p), host)
}

// matchHashed checks a hashed name, "salt|HMAC-SHA1(salt, host)" in base64.
func matchHashed(p, host string) bool {
	salt64, hash64, ok := strings.Cut(p, "|")
	if !ok {
		return false
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(hash64)
	if err != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(host))
	return hmac.Equal(mac.Sum(nil), want)
}

// wildcard matches OpenSSH patterns: '*' is any run of characters, '?'
// any one. Brackets are literal ("[host]:2222"), unlike path.Match.
func wildcard(p, s string) bool {
	star, next := -1, 0 // last '*' in p, and where in s it resumes
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == s[j]):
			i, j = i+1, j+1
		case i < len(p) && p[i] == '*':
			star, next = i, j
			i++
		case star >= 0:
			next++
			i, j = star+1, next
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}
