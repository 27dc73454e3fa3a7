package hubserver

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AddDir adds every YAML file under root laid out as
// <root>/<catalog>/<kind>/<name>/<version>.yaml (or .yml); other files are
// ignored. It returns how many objects it added.
func (s *Server) AddDir(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yaml" && ext != ".yml" {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 {
			return fmt.Errorf("%s: want <catalog>/<kind>/<name>/<version>.yaml under %s", rel, root)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s.Add(parts[0], parts[1], parts[2], strings.TrimSuffix(parts[3], ext), data)
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("loading hub objects: %w", err)
	}
	return n, nil
}
