package gitserver

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
)

// Server serves the git repositories below Root over smart HTTP. A repository
// at Root/<name> (bare, or a work tree with .git) is at URL /<name>.
type Server struct {
	root    string
	user    string
	pass    string
	noSHA   bool
	backend http.Handler
}

var _ http.Handler = (*Server)(nil)

// Option configures a Server.
type Option func(*Server)

// WithBasicAuth requires HTTP basic auth with exactly this user and password.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.user, s.pass = user, password }
}

// WithoutSHAWant stops the server from advertising
// allow-reachable-sha1-in-want, like servers that cannot fetch a commit by
// its SHA. Clients must then fetch refs and find the commit themselves.
func WithoutSHAWant() Option {
	return func(s *Server) { s.noSHA = true }
}

// New returns a Server for the repositories below root. It fails when the
// git binary (which provides http-backend) is not installed.
func New(root string, opts ...Option) (*Server, error) {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("finding the git binary for http-backend: %w", err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("resolving root %q: %w", root, err)
	}
	s := &Server{root: abs}
	for _, o := range opts {
		o(s)
	}
	s.backend = &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Dir:  abs,
		Env:  s.env(),
	}
	return s, nil
}

// Root is the directory whose repositories the server serves.
func (s *Server) Root() string { return s.root }

// env is the CGI environment of http-backend. Config goes through
// GIT_CONFIG_* so the served repositories need no special settings.
func (s *Server) env() []string {
	cfg := [][2]string{
		{"safe.directory", "*"},
		{"uploadpack.allowReachableSHA1InWant", fmt.Sprint(!s.noSHA)},
		{"uploadpack.allowTipSHA1InWant", fmt.Sprint(!s.noSHA)},
		{"uploadpack.allowFilter", "true"},
		{"http.receivepack", "false"},
	}
	env := []string{
		"GIT_PROJECT_ROOT=" + s.root,
		"GIT_HTTP_EXPORT_ALL=1",
		"GIT_CONFIG_NOSYSTEM=1",
		"HOME=" + s.root,
		fmt.Sprintf("GIT_CONFIG_COUNT=%d", len(cfg)),
	}
	for i, kv := range cfg {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]),
			fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	return env
}

// ServeHTTP checks basic auth (when configured) and hands the request to
// git http-backend.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.user != "" && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="slipway-gitserver"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	s.backend.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(p), []byte(s.pass)) == 1
	return userOK && passOK
}
