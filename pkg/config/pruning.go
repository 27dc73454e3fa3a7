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
// limit).
type Pruning struct {
	KeepSuccessful *int
	KeepFailed     *int
	TTL            time.Duration
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
	case KeyPruneTTL:
		p.TTL, err = time.ParseDuration(strings.TrimSpace(v))
		if err == nil && p.TTL < 0 {
			err = fmt.Errorf("must not be negative")
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

	ttl time.Duration
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
	if p.TTL != "" {
		d, err := time.ParseDuration(p.TTL)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Sprintf("ttl %q is not a duration of 0 or more", p.TTL))
		}
		p.ttl = d
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
		break
	}
	return p
}
