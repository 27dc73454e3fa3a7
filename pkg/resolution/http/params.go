package http

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// The params of Tekton's http resolver.
const (
	paramURL       = "url"
	paramUsername  = "http-username"
	paramSecret    = "http-password-secret"
	paramSecretKey = "http-password-secret-key"
	paramDigest    = "digest"

	defaultSecretKey = "password"
)

var knownParams = []string{paramURL, paramUsername, paramSecret, paramSecretKey, paramDigest}

// params are a request's params, checked, with defaults applied.
type params struct {
	// url is as given; public has no user info, for messages and the
	// RefSource.
	url    string
	public string
	host   string
	// user, secret and key are the basic auth: the password is key in
	// Secret secret.
	user, secret, key string
	// urlCreds says that the URL holds credentials.
	urlCreds bool
	digest   digest
}

func parse(in map[string]string) (params, error) {
	if err := checkNames(in); err != nil {
		return params{}, err
	}
	u, err := parseURL(in[paramURL])
	if err != nil {
		return params{}, err
	}
	p := params{url: in[paramURL], host: u.Host, user: in[paramUsername], secret: in[paramSecret], key: in[paramSecretKey]}
	p.urlCreds = u.User != nil
	u.User = nil
	p.public = u.String()
	if p.key == "" {
		p.key = defaultSecretKey
	}
	_, hasUser := in[paramUsername]
	_, hasSecret := in[paramSecret]
	_, hasKey := in[paramSecretKey]
	switch {
	case hasUser != hasSecret:
		return params{}, invalid("params %s and %s go together", paramUsername, paramSecret)
	case hasUser && (p.user == "" || p.secret == ""):
		return params{}, invalid("params %s and %s must not be empty", paramUsername, paramSecret)
	case hasKey && !hasSecret:
		return params{}, invalid("param %s is set without %s", paramSecretKey, paramSecret)
	}
	if d, ok := in[paramDigest]; ok {
		if p.digest, err = parseDigest(d); err != nil {
			return params{}, err
		}
	}
	return p, nil
}

func checkNames(in map[string]string) error {
	var unknown []string
	for name := range in {
		if !slices.Contains(knownParams, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return invalid("unknown param %q (want %s)", unknown[0], strings.Join(knownParams, ", "))
}

func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, invalid("param %s is required", paramURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's message quotes the URL, which may hold a password.
		return nil, invalid("param %s is not a URL", paramURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, invalid("param %s: scheme %q is not supported (want https or http)", paramURL, u.Scheme)
	}
	if u.Host == "" {
		return nil, invalid("param %s has no host", paramURL)
	}
	return u, nil
}

// digest is the content's expected hash (Tekton's "sha256:<hex>" or
// "sha512:<hex>"); the zero digest checks nothing.
type digest struct {
	algorithm string
	sum       []byte
}

func parseDigest(s string) (digest, error) {
	algo, value, _ := strings.Cut(s, ":")
	size := map[string]int{"sha256": sha256.Size, "sha512": sha512.Size}[algo]
	if size == 0 {
		return digest{}, invalid("param %s %q: want sha256:<hex> or sha512:<hex>", paramDigest, s)
	}
	sum, err := hex.DecodeString(value)
	if err != nil || len(sum) != size {
		return digest{}, invalid("param %s %q: want %d hexadecimal digits after %s:", paramDigest, s, 2*size, algo)
	}
	return digest{algorithm: algo, sum: sum}, nil
}

// check compares data's hash with d.
func (d digest) check(data []byte) error {
	var got []byte
	switch d.algorithm {
	case "":
		return nil
	case "sha256":
		s := sha256.Sum256(data)
		got = s[:]
	case "sha512":
		s := sha512.Sum512(data)
		got = s[:]
	}
	if !bytes.Equal(got, d.sum) {
		return invalid("param %s is %s:%x but the content has %s:%x", paramDigest, d.algorithm, d.sum, d.algorithm, got)
	}
	return nil
}

// invalid is an error wrapping resolution.ErrInvalidParams.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", resolution.ErrInvalidParams, fmt.Sprintf(format, args...))
}
