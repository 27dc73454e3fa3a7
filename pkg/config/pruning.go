package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/queue"
)

// Pruning says which finished runs of one Pipeline (or Task) in one
// namespace are kept: the newest KeepSuccessful successful ones, the
// newest KeepFailed failed ones (nil: all), none older than TTL (0: no
// limit). LogsTTL is the archived logs' own policy: 0 and they go with
// their TaskRun (D19); more, and they are kept that long after the TaskRun
// completed, whether the run is deleted sooner or kept longer (D28).
type Pruning struct {
	KeepSuccessful *int
	KeepFailed     *int
	TTL            time.Duration
	LogsTTL        time.Duration
}

// AnnotationPrefix starts the run annotations that override the pruning
// settings: slipway.dev/prune-keep-successful and so on.
const AnnotationPrefix = "slipway.dev/"

// Over returns p with the pruning annotations of a run
// (slipway.dev/prune-*) over it; an unknown or invalid one is an error.
func (p Pruning) Over(annotations map[string]string) (Pruning, error) {
	out := p
	for k, v := range annotations {
		key, ok := strings.CutPrefix(k, AnnotationPrefix)
		if !ok || !strings.HasPrefix(key, "prune-") {
			continue
		}
		known, err := out.Set(key, v)
		if !known {
			err = errors.New("unknown pruning annotation")
		}
		if err != nil {
			return p, fmt.Errorf("%s: %w", k, err)
		}
	}
	return out, nil
}

// Enabled reports whether p would ever delete a run.
func (p Pruning) Enabled() bool {
	return p.KeepSuccessful != nil || p.KeepFailed != nil || p.TTL > 0
}

// Set reads one pruning key; known is false for a key that is not one.
func (p *Pruning) Set(k, v string) (known bool, err error) {
	switch k {
	case KeyPruneKeepSuccessful, KeyPruneKeepFailed:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err == nil && n < 0 {
			err = fmt.Errorf("must not be negative")
		}
		if k == KeyPruneKeepSuccessful {
			p.KeepSuccessful = &n
		} else {
			p.KeepFailed = &n
		}
		return true, err
	case KeyPruneTTL, KeyPruneLogsTTL:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err == nil && d < 0 {
			err = fmt.Errorf("must not be negative")
		}
		if k == KeyPruneTTL {
			p.TTL = d
		} else {
			p.LogsTTL = d
		}
		return true, err
	}
	return false, nil
}

// PrunePolicy sets the pruning of the runs it matches, over the defaults
// (slipway-config key prune-policies, a YAML list; the first policy that
// matches a group of runs applies, and its runs' annotations go over it).
// The fields are the limits' (D23): an empty one matches everything.
type PrunePolicy struct {
	Name string `json:"name"`
	// Scope is which groups of runs it applies to (its Kind empty: both
	// kinds); its Selector matches the labels of a group's newest run.
	queue.Scope
	KeepSuccessful *int   `json:"keepSuccessful,omitempty"`
	KeepFailed     *int   `json:"keepFailed,omitempty"`
	TTL            string `json:"ttl,omitempty"`
	LogsTTL        string `json:"logsTTL,omitempty"`

	ttl, logsTTL time.Duration
}

func parsePrunePolicies(text string) ([]PrunePolicy, error) {
	var ps []PrunePolicy
	if err := yaml.UnmarshalStrict([]byte(text), &ps); err != nil {
		return nil, err
	}
	var errs []error
	for i := range ps {
		if err := ps[i].complete(); err != nil {
			errs = append(errs, fmt.Errorf("policy %d (%q): %w", i, ps[i].Name, err))
		}
	}
	return ps, errors.Join(errs...)
}

func (p *PrunePolicy) complete() error {
	var errs []string
	if p.Name == "" {
		errs = append(errs, "name is required")
	}
	if p.Kind != "" && p.Kind != queue.KindPipelineRun && p.Kind != queue.KindTaskRun {
		errs = append(errs, fmt.Sprintf("kind must be PipelineRun, TaskRun or empty, not %q", p.Kind))
	}
	for _, n := range []*int{p.KeepSuccessful, p.KeepFailed} {
		if n != nil && *n < 0 {
			errs = append(errs, "keepSuccessful and keepFailed must not be negative")
		}
	}
	for _, d := range []struct {
		field, text string
		into        *time.Duration
	}{{"ttl", p.TTL, &p.ttl}, {"logsTTL", p.LogsTTL, &p.logsTTL}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil || v < 0 {
			errs = append(errs, fmt.Sprintf("%s %q is not a duration of 0 or more", d.field, d.text))
		}
		*d.into = v
	}
	if err := p.Compile(); err != nil {
		errs = append(errs, "selector: "+err.Error())
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// PruningFor is the pruning of the group of runs of kind (PipelineRun or
// TaskRun) of Pipeline or Task name in namespace, whose newest run has
// runLabels: the defaults with the first matching policy over them.
func (c *Config) PruningFor(kind, namespace, name string, runLabels map[string]string) Pruning {
	p := c.Pruning
	for i := range c.PrunePolicies {
		pol := &c.PrunePolicies[i]
		if !pol.Matches(kind, namespace, name, runLabels) {
			continue
		}
		if pol.KeepSuccessful != nil {
			p.KeepSuccessful = pol.KeepSuccessful
		}
		if pol.KeepFailed != nil {
			p.KeepFailed = pol.KeepFailed
		}
		if pol.TTL != "" {
			p.TTL = pol.ttl
		}
		if pol.LogsTTL != "" {
			p.LogsTTL = pol.logsTTL
		}
		break
	}
	return p
}
