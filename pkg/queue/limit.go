package queue

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Kinds of runs a limit counts.
const (
	KindPipelineRun = "PipelineRun"
	KindTaskRun     = "TaskRun"
)

// Strategy says what happens to a run over its limit.
type Strategy string

// Strategies.
const (
	// StrategyQueue: the run waits its turn (the default).
	StrategyQueue Strategy = "queue"
	// StrategyCancelOldest: the new run cancels the oldest running runs of
	// its group to make room, and starts once they have stopped.
	StrategyCancelOldest Strategy = "cancel-oldest"
	// StrategyCancelNewest: the new run is cancelled at once; the running
	// ones go on.
	StrategyCancelNewest Strategy = "cancel-newest"
)

// GroupByNamespace, in GroupBy, counts each namespace on its own.
const GroupByNamespace = "namespace"

// Limit bounds how many matching runs of one kind run at once.
type Limit struct {
	// Name identifies the limit in messages and metrics.
	Name string `json:"name"`
	// Scope is which runs it counts. Its Kind defaults to KindPipelineRun;
	// KindTaskRun counts every TaskRun, those of PipelineRuns too: it
	// bounds pods.
	Scope
	// Max is how many matching runs of one group run at once.
	Max int `json:"max"`
	// GroupBy splits the limit: runs count against runs with the same
	// values of these labels (GroupByNamespace: the same namespace). A run
	// without one of the labels is in the group of the empty value.
	GroupBy []string `json:"groupBy,omitempty"`
	// Strategy is what happens over the limit (default StrategyQueue).
	Strategy Strategy `json:"strategy,omitempty"`
}

// Parse reads the concurrency-limits value: a YAML list of limits. Fields
// are checked strictly, so that a typo is an error, not a limit ignored.
func Parse(text string) ([]Limit, error) {
	var limits []Limit
	if err := yaml.UnmarshalStrict([]byte(text), &limits); err != nil {
		return nil, fmt.Errorf("parsing concurrency limits: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for i := range limits {
		l := &limits[i]
		if err := l.complete(); err != nil {
			errs = append(errs, fmt.Errorf("limit %d (%q): %w", i, l.Name, err))
		}
		if seen[l.Name] {
			errs = append(errs, fmt.Errorf("limit %d: the name %q is used twice", i, l.Name))
		}
		seen[l.Name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return limits, nil
}

// complete checks l and fills its defaults.
func (l *Limit) complete() error {
	if l.Kind == "" {
		l.Kind = KindPipelineRun
	}
	if l.Strategy == "" {
		l.Strategy = StrategyQueue
	}
	var errs []string
	if l.Name == "" {
		errs = append(errs, "name is required")
	}
	if l.Kind != KindPipelineRun && l.Kind != KindTaskRun {
		errs = append(errs, fmt.Sprintf("kind must be %s or %s, not %q", KindPipelineRun, KindTaskRun, l.Kind))
	}
	if l.Kind == KindPipelineRun && l.Task != "" || l.Kind == KindTaskRun && l.Pipeline != "" {
		errs = append(errs, "pipeline is for PipelineRun limits, task for TaskRun limits")
	}
	if l.Max < 1 {
		errs = append(errs, fmt.Sprintf("max must be at least 1, not %d", l.Max))
	}
	switch l.Strategy {
	case StrategyQueue, StrategyCancelOldest, StrategyCancelNewest:
	default:
		errs = append(errs, fmt.Sprintf("strategy must be %s, %s or %s, not %q", StrategyQueue, StrategyCancelOldest, StrategyCancelNewest, l.Strategy))
	}
	for _, k := range l.GroupBy {
		if k != GroupByNamespace && len(validation.IsQualifiedName(k)) > 0 {
			errs = append(errs, fmt.Sprintf("groupBy: %q is not a label key", k))
		}
	}
	if err := l.Compile(); err != nil {
		errs = append(errs, "selector: "+err.Error())
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Matches reports whether r counts against l.
func (l *Limit) Matches(r *Run) bool { return l.Scope.Matches(r.Kind, r.Namespace, r.Of, r.Labels) }

// group is r's group under l.
func (l *Limit) group(r *Run) string {
	var b strings.Builder
	for _, k := range l.GroupBy {
		v := r.Labels[k]
		if k == GroupByNamespace {
			v = r.Namespace
		}
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String()
}

// groupName is r's group in words, for messages.
func (l *Limit) groupName(r *Run) string {
	if len(l.GroupBy) == 0 {
		return ""
	}
	parts := make([]string, len(l.GroupBy))
	for i, k := range l.GroupBy {
		v := r.Labels[k]
		if k == GroupByNamespace {
			v = r.Namespace
		}
		parts[i] = k + "=" + v
	}
	return " for " + strings.Join(parts, ",")
}
