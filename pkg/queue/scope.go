package queue

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Scope says which runs a setting applies to: concurrency limits here,
// pruning policies in pkg/config. An empty field matches every run.
type Scope struct {
	// Kind is KindPipelineRun or KindTaskRun.
	Kind string `json:"kind,omitempty"`
	// Namespace, when set, restricts it to runs in it.
	Namespace string `json:"namespace,omitempty"`
	// Pipeline (PipelineRuns) or Task (TaskRuns), when set, restricts it
	// to runs of that Pipeline or Task, by reference or label.
	Pipeline string `json:"pipeline,omitempty"`
	Task     string `json:"task,omitempty"`
	// Selector, when set, restricts it to runs whose labels match.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	sel labels.Selector
}

// Compile parses the selector; Matches needs it done.
func (s *Scope) Compile() error {
	s.sel = labels.Everything()
	if s.Selector == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s.Selector)
	if err != nil {
		return err
	}
	s.sel = sel
	return nil
}

// Matches reports whether a run of kind in namespace, of Pipeline or Task
// of, with runLabels, is in the scope.
func (s *Scope) Matches(kind, namespace, of string, runLabels map[string]string) bool {
	switch {
	case s.Kind != "" && s.Kind != kind, s.Namespace != "" && s.Namespace != namespace:
		return false
	case s.Pipeline != "" && (kind != KindPipelineRun || of != s.Pipeline), s.Task != "" && (kind != KindTaskRun || of != s.Task):
		return false
	}
	return s.sel == nil || s.sel.Matches(labels.Set(runLabels))
}
