package git

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// gitCredentials finds ep's credentials in dir/.git-credentials (git's
// credential-store format). A line without a user name takes it from
// dir/.gitconfig's credential.<url>.username or credential.username.
func gitCredentials(dir string, ep *transport.Endpoint) (transport.AuthMethod, error) {
	path := filepath.Join(dir, ".git-credentials")
	b, err := os.ReadFile(path)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("%s line %d: not a credential URL", path, n)
		}
		pass, _ := u.User.Password()
		user := u.User.Username()
		u.User = nil
		if !matchURL(u.String(), ep) {
			continue
		}
		if user == "" {
			user = configUsername(dir, u.String())
		}
		return &githttp.BasicAuth{Username: user, Password: pass}, nil
	}
	return nil, nil
}

// configUsername reads a credential user name from dir/.gitconfig; any
// error just means there is none.
func configUsername(dir, credURL string) string {
	f, err := os.Open(filepath.Join(dir, ".gitconfig"))
	if err != nil {
		return ""
	}
	defer f.Close()
	cfg := config.New()
	if err := config.NewDecoder(f).Decode(cfg); err != nil {
		return ""
	}
	sec := cfg.Section("credential")
	for _, sub := range sec.Subsections {
		if strings.TrimSuffix(sub.Name, "/") == strings.TrimSuffix(credURL, "/") && sub.Option("username") != "" {
			return sub.Option("username")
		}
	}
	return sec.Option("username")
}
