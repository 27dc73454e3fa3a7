package entrypoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// releasePoll re-reads the release file while watching its directory, in
// case an event is missed.
const releasePoll = 250 * time.Millisecond

// release holds a step of a held TaskRun (o.ReleaseFile set) until the
// controller released it, and returns o with the held params' values in
// place of their placeholders; the environment the step's process
// inherits gets them too.
func (r *Runner) release(ctx context.Context, o Options) (Options, error) {
	if o.ReleaseFile == "" {
		return o, nil
	}
	values, err := waitRelease(ctx, o.ReleaseFile)
	if err != nil {
		return o, err
	}
	rep := newReplacers(values, os.LookupEnv)
	return applyRelease(o, rep), releaseEnv(rep.expanded)
}

// waitRelease waits until path holds the values. The kubelet writes the
// downward API file atomically (a new directory swapped in by a rename),
// so a read sees the old content or the new, never part of it.
func waitRelease(ctx context.Context, path string) (map[string]string, error) {
	var events <-chan fsnotify.Event
	if w, err := fsnotify.NewWatcher(); err == nil {
		defer func() { go w.Close() }()
		if w.Add(filepath.Dir(path)) == nil {
			events = w.Events
		}
	}
	tick := time.NewTicker(releasePoll)
	defer tick.Stop()
	for {
		values, err := readRelease(path)
		if err != nil || values != nil {
			return values, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the upstream tasks' results: %w", ctx.Err())
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		case <-tick.C:
		}
	}
}

// readRelease returns the values in path, nil while it is missing or empty.
func readRelease(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the released values: %w", err)
	}
	return decodeRelease(b)
}

// decodeRelease decodes the release file's content, nil while it is empty.
func decodeRelease(b []byte) (map[string]string, error) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, nil
	}
	values := map[string]string{}
	if err := json.Unmarshal(b, &values); err != nil {
		return nil, fmt.Errorf("decoding the released values: %w", err)
	}
	return values, nil
}

// releaser replaces every placeholder with its value, longest first.
func releaser(values map[string]string) *strings.Replacer {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || (len(keys[i]) == len(keys[j]) && keys[i] < keys[j])
	})
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, values[k])
	}
	return strings.NewReplacer(pairs...)
}

// replacers put the values in place of their placeholders: as they are
// (raw), and with $(VAR) expanded as the kubelet expands container args
// and env values, which the values were not in when it did (expanded;
// getenv looks VAR up).
type replacers struct {
	raw, expanded *strings.Replacer
}

func newReplacers(values map[string]string, getenv func(string) (string, bool)) replacers {
	expanded := make(map[string]string, len(values))
	for k, v := range values {
		expanded[k] = expandVars(v, getenv)
	}
	return replacers{raw: releaser(values), expanded: releaser(expanded)}
}

// applyRelease puts the values into what the controller rendered with
// placeholders: script, command, when expressions and output paths, all
// of them expanded but the script, which travels encoded and is never
// expanded.
func applyRelease(o Options, reps replacers) Options {
	o.Script = reps.raw.Replace(o.Script)
	rep := reps.expanded
	if o.Command != nil {
		cmd := make([]string, len(o.Command))
		for i, c := range o.Command {
			cmd[i] = rep.Replace(c)
		}
		o.Command = cmd
	}
	when := make([]When, len(o.When))
	for i, w := range o.When {
		w.Input = rep.Replace(w.Input)
		vals := make([]string, len(w.Values))
		for j, v := range w.Values {
			vals[j] = rep.Replace(v)
		}
		w.Values = vals
		when[i] = w
	}
	if o.When != nil {
		o.When = when
	}
	o.Stdout, o.Stderr = rep.Replace(o.Stdout), rep.Replace(o.Stderr)
	return o
}

// releaseEnv puts the expanded values into the environment variables that
// hold placeholders.
func releaseEnv(rep *strings.Replacer) error {
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if nv := rep.Replace(v); nv != v {
			if err := os.Setenv(k, nv); err != nil {
				return fmt.Errorf("env %s: %w", k, err)
			}
		}
	}
	return nil
}

// expandVars expands $(VAR) as Kubernetes does in container args and env:
// a defined VAR becomes its value, an undefined one stays as written, and
// $$ is a literal $.
func expandVars(s string, getenv func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := getenv(name); ok && name != "" {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
