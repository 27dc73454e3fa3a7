package serving

import (
	"fmt"
	"os"
	"path/filepath"
)

// Result file names, as the kservice-deploy Task declares them.
const (
	ResultURL      = "URL"
	ResultRevision = "REVISION"
	ResultTagURL   = "TAG_URL"
)

// WriteResults writes URL, REVISION and TAG_URL (empty without a tag) into dir.
func WriteResults(dir string, r Result) error {
	for name, v := range map[string]string{ResultURL: r.URL, ResultRevision: r.Revision, ResultTagURL: r.TagURL} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			return fmt.Errorf("writing result %s: %w", name, err)
		}
	}
	return nil
}
