package git

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// The params of Tekton's git resolver in clone mode.
const (
	paramURL         = "url"
	paramRevision    = "revision"
	paramPath        = "pathInRepo"
	paramGitToken    = "gitToken"
	paramGitTokenKey = "gitTokenKey"

	defaultTokenKey = "token"
)

var knownParams = map[string]bool{
	paramURL: true, paramRevision: true, paramPath: true,
	paramGitToken: true, paramGitTokenKey: true,
}

// scmParams select Tekton's SCM API mode (a provider's REST API instead of
// a clone), which Slipway does not implement.
var scmParams = map[string]bool{
	"repo": true, "org": true, "token": true, "tokenKey": true,
	"scmType": true, "serverURL": true,
}

// protocols are the URL schemes accepted; file URLs and local paths are
// refused: they would read the controller's own file system.
var protocols = map[string]bool{"http": true, "https": true, "ssh": true, "git": true}

var fullSHA = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// params are a request's params, checked, with defaults applied.
type params struct {
	// url is as given: it may hold credentials, so messages use public.
	url      string
	public   string
	endpoint *transport.Endpoint
	revision string
	path     string
	// secret and key name the gitToken Secret and its key; keySet says
	// that gitTokenKey was given.
	secret string
	key    string
	keySet bool
}

// isSHA reports whether the revision is a full commit SHA.
func (p params) isSHA() bool { return fullSHA.MatchString(p.revision) }

func (r *Resolver) parse(in map[string]string) (params, error) {
	if err := checkNames(in); err != nil {
		return params{}, err
	}
	p := params{
		url:      valueOr(in[paramURL], r.defaultURL),
		revision: valueOr(in[paramRevision], r.defaultRevision),
		path:     strings.TrimLeft(in[paramPath], "/"),
		secret:   in[paramGitToken],
	}
	p.key, p.keySet = in[paramGitTokenKey]
	p.key = valueOr(p.key, defaultTokenKey)
	ep, err := parseURL(p.url)
	if err != nil {
		return params{}, err
	}
	p.endpoint, p.public = ep, publicURL(p.url, ep)
	if err := p.check(); err != nil {
		return params{}, err
	}
	if p.isSHA() {
		p.revision = strings.ToLower(p.revision)
	}
	return p, nil
}

func (p params) check() error {
	switch {
	case strings.HasPrefix(p.revision, "-") || strings.ContainsAny(p.revision, " \t\n"):
		return invalid("param %s %q is not a branch, tag or commit SHA", paramRevision, p.revision)
	case p.path == "":
		return invalid("param %s is required", paramPath)
	case hasDotDot(p.path):
		return invalid("param %s %q must not contain \"..\"", paramPath, p.path)
	case p.keySet && p.secret == "":
		return invalid("param %s is set without %s", paramGitTokenKey, paramGitToken)
	}
	return nil
}

// checkNames refuses the SCM API mode and unknown params, naming them in
// a stable order.
func checkNames(in map[string]string) error {
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if scmParams[name] {
			return invalid("param %q selects the SCM API mode, which is not supported: use %s (and %s for a private repository)", name, paramURL, paramGitToken)
		}
	}
	for _, name := range names {
		if !knownParams[name] {
			return invalid("unknown param %q (want %s, %s, %s, %s or %s)", name, paramURL, paramRevision, paramPath, paramGitToken, paramGitTokenKey)
		}
	}
	return nil
}

func parseURL(raw string) (*transport.Endpoint, error) {
	if raw == "" {
		return nil, invalid("param %s is required", paramURL)
	}
	if strings.TrimSpace(raw) != raw {
		return nil, invalid("param %s has leading or trailing white space", paramURL)
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return nil, invalid("param %s is not a git URL", paramURL)
	}
	if !protocols[ep.Protocol] {
		return nil, invalid("param %s: protocol %q is not supported (want https, http, ssh or git)", paramURL, ep.Protocol)
	}
	if ep.Host == "" {
		return nil, invalid("param %s has no host", paramURL)
	}
	return ep, nil
}

// publicURL is raw without credentials: no user info for http(s), where
// a user name may be a token, and no password for ssh.
func publicURL(raw string, ep *transport.Endpoint) string {
	hasUser := ep.User != "" && ep.Protocol != "ssh"
	if ep.Password == "" && !hasUser {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" { // scp-like: user:password@host:path
		e := *ep
		e.Password = ""
		return e.String()
	}
	if ep.Protocol == "ssh" {
		u.User = url.User(u.User.Username())
	} else {
		u.User = nil
	}
	return u.String()
}

func hasDotDot(path string) bool {
	for _, part := range strings.Split(path, "/") {
		if part == ".." {
			return true
		}
	}
	return false
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// invalid is an error wrapping resolution.ErrInvalidParams.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", resolution.ErrInvalidParams, fmt.Sprintf(format, args...))
}
