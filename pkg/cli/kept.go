package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// noRunError reports that no run named arg is in namespace ns; kinds and
// name are what arg was parsed into.
type noRunError struct {
	arg, ns string
	kinds   []string
	name    string
}

func (e *noRunError) Error() string {
	return fmt.Sprintf("no PipelineRun or TaskRun %q in namespace %q", e.arg, e.ns)
}

// keptLogs returns the LogArchives that keep the logs of the deleted run
// name of one of kinds (D28), its attempts in the order they ran: those of
// the last run of that name, if several were. None when the run left no
// logs behind, or when they cannot be looked for (no LogArchive kind, as on
// Tekton; no right to read them; a name no label can hold).
func keptLogs(ctx context.Context, c client.Client, ns string, kinds []string, name string) (kind string, kept []slipwayv1alpha1.LogArchive, err error) {
	if len(validation.IsValidLabelValue(name)) > 0 {
		return "", nil, nil
	}
	labels := map[string]string{"PipelineRun": resources.LabelPipelineRun, "TaskRun": resources.LabelTaskRun}
	for _, k := range kinds {
		list := &slipwayv1alpha1.LogArchiveList{}
		err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{labels[k]: name})
		if meta.IsNoMatchError(err) || apierrors.IsForbidden(err) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, fmt.Errorf("reading the logs kept after run %q: %w", name, err)
		}
		if len(list.Items) > 0 {
			kept := lastRun(k, list.Items)
			sortAttempts(kept)
			return k, kept, nil
		}
	}
	return "", nil, nil
}

// lastRun keeps, of LogArchives of runs of kind of one name, those of the
// run whose logs were kept last.
func lastRun(kind string, as []slipwayv1alpha1.LogArchive) []slipwayv1alpha1.LogArchive {
	run := func(a *slipwayv1alpha1.LogArchive) string {
		if kind == "PipelineRun" {
			return string(a.Spec.PipelineRunUID)
		}
		return string(a.Spec.TaskRunUID)
	}
	newest := &as[0]
	for i := range as {
		if newest.CreationTimestamp.Before(&as[i].CreationTimestamp) {
			newest = &as[i]
		}
	}
	var out []slipwayv1alpha1.LogArchive
	for i := range as {
		if run(&as[i]) == run(newest) {
			out = append(out, as[i])
		}
	}
	return out
}

// sortAttempts orders LogArchives as logs orders a live run's: by when
// their TaskRun started, then its name, then by attempt.
func sortAttempts(as []slipwayv1alpha1.LogArchive) {
	start := func(a *slipwayv1alpha1.LogArchive) time.Time {
		if a.Spec.StartTime != nil {
			return a.Spec.StartTime.Time
		}
		return a.CreationTimestamp.Time
	}
	sort.SliceStable(as, func(i, j int) bool {
		a, b := &as[i], &as[j]
		if sa, sb := start(a), start(b); !sa.Equal(sb) {
			return sa.Before(sb)
		}
		if a.Spec.TaskRun != b.Spec.TaskRun {
			return a.Spec.TaskRun < b.Spec.TaskRun
		}
		return a.Spec.Attempt < b.Spec.Attempt
	})
}

// logsOfDeleted prints the logs kept after the run gone names, if any.
func (e *env) logsOfDeleted(ctx context.Context, gone *noRunError) error {
	c, _, err := e.clients()
	if err != nil {
		return err
	}
	kind, kept, err := keptLogs(ctx, c, gone.ns, gone.kinds, gone.name)
	if err != nil || len(kept) == 0 {
		return errors.Join(gone, err)
	}
	return e.showKeptLogs(ctx, kind, gone.name, kept)
}

// showKeptLogs prints the logs kept after a deleted run, as logs would
// have printed them, and when they expire.
func (e *env) showKeptLogs(ctx context.Context, kind, name string, kept []slipwayv1alpha1.LogArchive) error {
	c, kube, err := e.clients()
	if err != nil {
		return err
	}
	lr := e.logReader(c, kube, false)
	attempts := map[string]int{}
	for i := range kept {
		attempts[kept[i].Spec.TaskRun]++
	}
	seen := map[string]int{}
	var expires time.Time
	for i := range kept {
		a := &kept[i]
		seen[a.Spec.TaskRun]++
		tr := taskRunOfKept(a, seen[a.Spec.TaskRun], attempts[a.Spec.TaskRun])
		for _, s := range tr.Status.Steps {
			lr.step(ctx, tr, a.Spec.PipelineTask, s)
		}
		if t := slipwayv1alpha1.ExpiresOf(a); expires.IsZero() || t.Before(expires) {
			expires = t
		}
	}
	lr.p.finish()
	lr.p.text(fmt.Sprintf("%s %s was deleted; its logs are kept until %s", kind, name, expires.Format(time.RFC3339)))
	return nil
}

// taskRunOfKept is a TaskRun as the log reader needs it: its pod, the
// archive's key and the steps; attempt n of all, the last one plain and the
// earlier ones' steps named "<step> (attempt n)" as logs prints retries.
func taskRunOfKept(a *slipwayv1alpha1.LogArchive, n, all int) *v1.TaskRun {
	tr := &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Name: a.Spec.TaskRun, Namespace: a.Namespace}}
	tr.Status.PodName = a.Spec.Tag
	tr.Status.Annotations = resources.LogArchive{Repository: a.Spec.Repository, Key: a.Spec.Key}.Annotate(nil)
	for _, s := range a.Spec.Steps {
		name := s.Name
		if n < all {
			name = fmt.Sprintf("%s (attempt %d)", s.Name, n)
		}
		tr.Status.Steps = append(tr.Status.Steps, v1.StepState{Name: name, Container: s.Container,
			ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}})
	}
	return tr
}
