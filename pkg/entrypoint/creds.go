package entrypoint

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/slipway-ci/slipway/pkg/credentials"
)

// credentialPaths are where a Runner reads secrets and writes credential
// files; tests point them at temp dirs.
type credentialPaths struct {
	secrets, creds, home string
	// getenv reads the step's environment ($HOME).
	getenv func(string) string
}

// withCredentialPaths replaces CredsSecretsDir, CredsDir, HomeDir and the
// environment (tests only).
func withCredentialPaths(secrets, creds, home string, getenv func(string) string) RunnerOption {
	return func(r *Runner) { r.creds = credentialPaths{secrets: secrets, creds: creds, home: home, getenv: getenv} }
}

// writeCredentials writes o.Credentials before the step runs (D8). The
// first step fills CredsDir and the shared HomeDir, which later steps
// inherit; a step whose $HOME points elsewhere also gets its own copy, and
// failing to write that one is only a warning, as in Tekton. The paths
// and secret names are in the error; secret data never is.
func (r *Runner) writeCredentials(o Options, stderr io.Writer) error {
	p := r.creds
	var must []string
	if o.WaitFile == "" {
		must = []string{p.creds, p.home}
	}
	for _, dir := range must {
		if err := credentials.Write(o.Credentials, p.secrets, dir); err != nil {
			return fmt.Errorf("writing credentials from ServiceAccount secrets: %w", err)
		}
	}
	home := filepath.Clean(p.getenv("HOME"))
	if home == "." || home == filepath.Clean(p.home) || home == filepath.Clean(p.creds) {
		return nil
	}
	if err := credentials.Write(o.Credentials, p.secrets, home); err != nil {
		fmt.Fprintf(stderr, "entrypoint: warning: credentials not copied to $HOME: %v\n", err)
	}
	return nil
}
