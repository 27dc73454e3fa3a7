package credentials

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Kind says what a Credential turns into. The values are Tekton's
// creds-init flag names.
type Kind string

// The kinds of credentials.
const (
	// BasicGit: a kubernetes.io/basic-auth secret for git over HTTP(S);
	// Target is the URL prefix it applies to.
	BasicGit Kind = "basic-git"
	// SSHGit: a kubernetes.io/ssh-auth secret for git over SSH; Target is
	// host or host:port.
	SSHGit Kind = "ssh-git"
	// BasicDocker: a kubernetes.io/basic-auth secret for a registry;
	// Target is the registry as it appears in config.json's auths.
	BasicDocker Kind = "basic-docker"
	// DockerConfig: a kubernetes.io/dockerconfigjson secret; no Target.
	DockerConfig Kind = "docker-config"
	// DockerCfg: a legacy kubernetes.io/dockercfg secret; no Target.
	DockerCfg Kind = "docker-cfg"
)

// Secret types and the keys Write reads from them.
const (
	TypeBasicAuth        = "kubernetes.io/basic-auth"
	TypeSSHAuth          = "kubernetes.io/ssh-auth"
	TypeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	TypeDockercfg        = "kubernetes.io/dockercfg"

	KeyUsername         = "username"
	KeyPassword         = "password"
	KeySSHPrivateKey    = "ssh-privatekey"
	KeyKnownHosts       = "known_hosts"
	KeyDockerConfigJSON = ".dockerconfigjson"
	KeyDockercfg        = ".dockercfg"
)

// Annotation prefixes that select a secret for git or docker.
const (
	GitAnnotationPrefix    = "tekton.dev/git-"
	DockerAnnotationPrefix = "tekton.dev/docker-"
)

// Secret is what Plan needs to know about a secret: its metadata and the
// names of its data keys, never their values.
type Secret struct {
	Name        string
	Type        string
	Annotations map[string]string
	Keys        []string
}

// Credential is one use of one secret.
type Credential struct {
	Kind Kind
	// Secret is the secret's name; it is mounted at <secretsDir>/<Secret>.
	Secret string
	// Target is the URL or host the credential is for (empty for
	// DockerConfig and DockerCfg).
	Target string
}

// Plan returns the credentials that secrets provide, in the order given
// and, within a secret, in annotation order (tekton.dev/git-0 before
// tekton.dev/git-1 before tekton.dev/git-10). As in Tekton, secrets of
// other types and ssh-auth secrets annotated for docker are ignored;
// docker config secrets apply without an annotation. An annotation value
// that cannot be written safely, or a secret without the keys its type
// needs, is an error naming the secret.
func Plan(secrets []Secret) ([]Credential, error) {
	var out []Credential
	for _, s := range secrets {
		creds, err := planSecret(s)
		if err != nil {
			return nil, fmt.Errorf("secret %q: %w", s.Name, err)
		}
		out = append(out, creds...)
	}
	return out, nil
}

func planSecret(s Secret) ([]Credential, error) {
	var out []Credential
	var need []string
	switch s.Type {
	case TypeBasicAuth:
		out = append(annotated(s, GitAnnotationPrefix, BasicGit), annotated(s, DockerAnnotationPrefix, BasicDocker)...)
		need = []string{KeyUsername, KeyPassword}
	case TypeSSHAuth:
		out = annotated(s, GitAnnotationPrefix, SSHGit)
		need = []string{KeySSHPrivateKey}
	case TypeDockerConfigJSON:
		out = []Credential{{Kind: DockerConfig, Secret: s.Name}}
		need = []string{KeyDockerConfigJSON}
	case TypeDockercfg:
		out = []Credential{{Kind: DockerCfg, Secret: s.Name}}
		need = []string{KeyDockercfg}
	}
	if len(out) == 0 {
		return nil, nil
	}
	if strings.ContainsAny(s.Name, "=/") || s.Name == "" || s.Name == "." || s.Name == ".." {
		return nil, fmt.Errorf("%q is not a usable secret name", s.Name)
	}
	for _, k := range need {
		if !contains(s.Keys, k) {
			return nil, fmt.Errorf("type %s needs the key %q, which it does not have", s.Type, k)
		}
	}
	for _, c := range out {
		if err := c.validate(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// annotated returns one credential of kind per annotation with prefix.
func annotated(s Secret, prefix string, kind Kind) []Credential {
	var keys []string
	for k := range s.Annotations {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return annotationLess(keys[i], keys[j], prefix) })
	out := make([]Credential, 0, len(keys))
	for _, k := range keys {
		out = append(out, Credential{Kind: kind, Secret: s.Name, Target: strings.TrimSpace(s.Annotations[k])})
	}
	return out
}

// annotationLess orders numeric suffixes numerically, then the rest by
// string.
func annotationLess(a, b, prefix string) bool {
	na, ea := strconv.Atoi(strings.TrimPrefix(a, prefix))
	nb, eb := strconv.Atoi(strings.TrimPrefix(b, prefix))
	switch {
	case ea == nil && eb == nil && na != nb:
		return na < nb
	case (ea == nil) != (eb == nil):
		return ea == nil
	}
	return a < b
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// validate checks that c's target can go into .gitconfig, .ssh/config,
// config.json and a container arg without changing their meaning.
func (c Credential) validate() error {
	t := c.Target
	if strings.ContainsFunc(t, unsafeRune) || strings.Contains(t, "$(") {
		return fmt.Errorf("%s target %q contains whitespace, quotes, control characters or $(", c.Kind, t)
	}
	switch c.Kind {
	case BasicGit:
		u, err := url.Parse(t)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return fmt.Errorf("%s target %q must be an http(s) URL such as https://github.com, without user info", c.Kind, t)
		}
	case SSHGit:
		if err := checkHostPort(t); err != nil {
			return fmt.Errorf("%s target %q: %w", c.Kind, t, err)
		}
	case BasicDocker:
		if t == "" {
			return fmt.Errorf("%s target is empty", c.Kind)
		}
	case DockerConfig, DockerCfg:
		if t != "" {
			return fmt.Errorf("%s takes no target, got %q", c.Kind, t)
		}
	default:
		return fmt.Errorf("unknown credential kind %q", c.Kind)
	}
	return nil
}

func unsafeRune(r rune) bool {
	return r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' || r == '#' || r == ';'
}

// checkHostPort accepts host or host:port, as ssh config's Host does.
func checkHostPort(s string) error {
	host, port := s, ""
	if strings.Contains(s, ":") {
		var err error
		if host, port, err = net.SplitHostPort(s); err != nil {
			return fmt.Errorf("want host or host:port: %w", err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
	}
	if host == "" || strings.ContainsAny(host, "/@") {
		return fmt.Errorf("want host or host:port")
	}
	return nil
}

// String renders c as "<kind>=<secret>[=<target>]", the value of the
// entrypoint's credential flag. Parse reads it back.
func (c Credential) String() string {
	if c.Target == "" {
		return string(c.Kind) + "=" + c.Secret
	}
	return string(c.Kind) + "=" + c.Secret + "=" + c.Target
}

// Parse reads a value written by Credential.String and validates it.
func Parse(s string) (Credential, error) {
	kind, rest, ok := strings.Cut(s, "=")
	if !ok {
		return Credential{}, fmt.Errorf("credential %q: want <kind>=<secret>[=<url or host>]", s)
	}
	name, target, _ := strings.Cut(rest, "=")
	c := Credential{Kind: Kind(kind), Secret: name, Target: target}
	if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return Credential{}, fmt.Errorf("credential %q: %q is not a usable secret name", s, name)
	}
	if err := c.validate(); err != nil {
		return Credential{}, fmt.Errorf("credential %q: %w", s, err)
	}
	return c, nil
}
