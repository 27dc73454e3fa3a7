package entrypoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// defaultScriptHeader runs a script without a shebang the way Tekton does:
// with /bin/sh, stopping at the first failing command.
const defaultScriptHeader = "#!/bin/sh\nset -e\n"

// commandLine returns the argv of the step's process: the written script
// followed by Command as its arguments, or Command itself.
func commandLine(o Options) ([]string, error) {
	if o.Script == "" {
		if len(o.Command) == 0 {
			return nil, errors.New("nothing to run: no command and no script")
		}
		return o.Command, nil
	}
	path, err := writeScript(o.ScriptsDir, o.Step, o.Script)
	if err != nil {
		return nil, err
	}
	return append([]string{path}, o.Command...), nil
}

// writeScript writes script as an executable file named after the step in
// dir, or under a unique name if that one is taken.
func writeScript(dir, step, script string) (string, error) {
	if !strings.HasPrefix(script, "#!") {
		script = defaultScriptHeader + script
	}
	if step == "" {
		step = "step"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing script of step %q: %w", step, err)
	}
	name := step + "-script"
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if errors.Is(err, fs.ErrExist) {
		f, err = os.CreateTemp(dir, name+"-*")
	}
	if err != nil {
		return "", fmt.Errorf("writing script of step %q: %w", step, err)
	}
	_, err = f.WriteString(script)
	if err == nil {
		err = f.Chmod(0o755) // umask and CreateTemp's 0600 both need this
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing script of step %q: %w", step, err)
	}
	return f.Name(), nil
}
