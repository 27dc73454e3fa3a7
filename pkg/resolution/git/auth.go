package git

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// tokenUser is the HTTP user sent with a token, as Tekton's git resolver
// does; hosting services ignore it or require any non-empty name.
const tokenUser = "git"

// knownHostsKey is the optional key of a kubernetes.io/ssh-auth Secret
// that Tekton reads the server's host keys from.
const knownHostsKey = "known_hosts"

// credentials are what the gitToken Secret gives: a go-git AuthMethod, and
// the secret values no message may show.
type credentials struct {
	auth    transport.AuthMethod
	secrets []string
}

// credentials reads the gitToken Secret in namespace, if p names one.
func (r *Resolver) credentials(ctx context.Context, namespace string, p params) (credentials, error) {
	if p.secret == "" {
		return credentials{}, nil
	}
	if r.secrets == nil {
		return credentials{}, fmt.Errorf("param %s is set but this resolver cannot read Secrets", paramGitToken)
	}
	s, err := r.secrets(ctx, namespace, p.secret)
	switch {
	case apierrors.IsNotFound(err):
		return credentials{}, fmt.Errorf("%s Secret %q not found in namespace %q: %w", paramGitToken, p.secret, namespace, resolution.ErrAuth)
	case err != nil:
		return credentials{}, fmt.Errorf("reading %s Secret %q: %w", paramGitToken, p.secret, err)
	}
	return fromSecret(s, p)
}

// fromSecret picks the credentials by the Secret's type. An explicit
// gitTokenKey always means a token, whatever the type, as in Tekton.
func fromSecret(s *corev1.Secret, p params) (credentials, error) {
	ssh := p.endpoint.Protocol == "ssh"
	kind := "token"
	switch {
	case !p.keySet && s.Type == corev1.SecretTypeBasicAuth:
		kind = "basic-auth"
	case !p.keySet && s.Type == corev1.SecretTypeSSHAuth:
		kind = "ssh-auth"
	}
	if p.endpoint.Protocol == "git" || ssh != (kind == "ssh-auth") {
		return credentials{}, invalid("%s Secret %q holds %s credentials, which cannot be used with a %s URL", paramGitToken, s.Name, kind, p.endpoint.Protocol)
	}
	switch kind {
	case "basic-auth":
		user, err := secretValue(s, corev1.BasicAuthUsernameKey)
		if err != nil {
			return credentials{}, err
		}
		pass, err := secretValue(s, corev1.BasicAuthPasswordKey)
		return basicAuth(user, pass), err
	case "ssh-auth":
		return sshAuth(s, p.endpoint)
	}
	token, err := secretValue(s, p.key)
	return basicAuth(tokenUser, token), err
}

func basicAuth(user, pass string) credentials {
	return credentials{auth: &githttp.BasicAuth{Username: user, Password: pass}, secrets: []string{pass}}
}

func sshAuth(s *corev1.Secret, ep *transport.Endpoint) (credentials, error) {
	pem, err := secretValue(s, corev1.SSHAuthPrivateKey)
	if err != nil {
		return credentials{}, err
	}
	user := valueOr(ep.User, tokenUser)
	keys, err := gitssh.NewPublicKeys(user, []byte(pem), "")
	if err != nil {
		// The parser's message never quotes the key.
		return credentials{}, fmt.Errorf("reading key %s of %s Secret %q: %v: %w", corev1.SSHAuthPrivateKey, paramGitToken, s.Name, err, resolution.ErrAuth)
	}
	hosts, err := parseKnownHosts(s.Data[knownHostsKey])
	if err != nil {
		return credentials{}, invalid("key %s of %s Secret %q: %v", knownHostsKey, paramGitToken, s.Name, err)
	}
	keys.HostKeyCallback, keys.HostKeyAlgorithms = hosts.check(sshAddress(ep))
	return credentials{auth: keys}, nil
}

// sshAddress is the host:port go-git dials for ep.
func sshAddress(ep *transport.Endpoint) string {
	port := ep.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(ep.Host, strconv.Itoa(port))
}

func secretValue(s *corev1.Secret, key string) (string, error) {
	v := s.Data[key]
	if len(v) == 0 {
		return "", fmt.Errorf("key %q of %s Secret %q is missing or empty: %w", key, paramGitToken, s.Name, resolution.ErrAuth)
	}
	return string(v), nil
}
