package cli

import (
	"context"
	"fmt"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// target is the run a command works on: a PipelineRun or a TaskRun.
type target struct {
	pr *v1.PipelineRun
	tr *v1.TaskRun
}

func (t target) object() client.Object {
	if t.pr != nil {
		return t.pr
	}
	return t.tr
}

func (t target) empty() bool { return t.pr == nil && t.tr == nil }

func (t target) kind() string {
	if t.pr != nil {
		return "PipelineRun"
	}
	return "TaskRun"
}

func (t target) condition() *apis.Condition {
	if t.pr != nil {
		return t.pr.Status.GetCondition(apis.ConditionSucceeded)
	}
	return t.tr.Status.GetCondition(apis.ConditionSucceeded)
}

// done reports whether the run has finished, and whether it succeeded.
func (t target) done() (finished, succeeded bool) {
	c := t.condition()
	if c == nil || c.IsUnknown() {
		return false, false
	}
	return true, c.IsTrue()
}

// kindAliases map what a user may write before "/" to a kind.
var kindAliases = map[string]string{
	"pipelinerun": "PipelineRun", "pipelineruns": "PipelineRun", "pr": "PipelineRun",
	"taskrun": "TaskRun", "taskruns": "TaskRun", "tr": "TaskRun",
}

// find returns the run named arg ("name", "pr/name", "taskrun/name", ...);
// a bare name is looked up as a PipelineRun first.
func find(ctx context.Context, c client.Client, ns, arg string) (target, error) {
	kinds, name, err := parseRun(arg)
	if err != nil {
		return target{}, err
	}
	for _, k := range kinds {
		t, err := get(ctx, c, ns, k, name)
		if err == nil || !apierrors.IsNotFound(err) {
			return t, err
		}
	}
	return target{}, &noRunError{arg: arg, ns: ns, kinds: kinds, name: name}
}

// parseRun returns the kinds a run named arg may be, and its name.
func parseRun(arg string) (kinds []string, name string, err error) {
	k, n, ok := strings.Cut(arg, "/")
	if !ok {
		return []string{"PipelineRun", "TaskRun"}, arg, nil
	}
	kind, known := kindAliases[strings.ToLower(k)]
	if !known {
		return nil, "", fmt.Errorf("%q: the kind must be pipelinerun (pr) or taskrun (tr)", arg)
	}
	return []string{kind}, n, nil
}

func get(ctx context.Context, c client.Client, ns, kind, name string) (target, error) {
	key := types.NamespacedName{Namespace: ns, Name: name}
	if kind == "PipelineRun" {
		pr := &v1.PipelineRun{}
		return target{pr: pr}, c.Get(ctx, key, pr)
	}
	tr := &v1.TaskRun{}
	return target{tr: tr}, c.Get(ctx, key, tr)
}

// refresh reads t again.
func refresh(ctx context.Context, c client.Client, t target) (target, error) {
	return get(ctx, c, t.object().GetNamespace(), t.kind(), t.object().GetName())
}

// last returns the most recently created run in ns: a PipelineRun, or a
// TaskRun, that no PipelineRun owns (a child PipelineRun is its parent's).
func last(ctx context.Context, c client.Client, ns string) (target, error) {
	var best target
	prs := &v1.PipelineRunList{}
	if err := c.List(ctx, prs, client.InNamespace(ns)); err != nil {
		return best, err
	}
	for i := range prs.Items {
		if prs.Items[i].Labels[resources.LabelPipelineRun] != "" {
			continue
		}
		if best.pr == nil || prs.Items[i].CreationTimestamp.After(best.pr.CreationTimestamp.Time) {
			best = target{pr: &prs.Items[i]}
		}
	}
	trs := &v1.TaskRunList{}
	if err := c.List(ctx, trs, client.InNamespace(ns)); err != nil {
		return best, err
	}
	for i := range trs.Items {
		tr := &trs.Items[i]
		if tr.Labels[resources.LabelPipelineRun] != "" {
			continue
		}
		if best.empty() || tr.CreationTimestamp.After(best.object().GetCreationTimestamp().Time) {
			best = target{tr: tr}
		}
	}
	if best.empty() {
		return best, fmt.Errorf("no PipelineRun or TaskRun in namespace %q", ns)
	}
	return best, nil
}

// children returns the TaskRuns of pr, and those of its child
// PipelineRuns (pipelines in pipelines), in the order they ran. The task
// label of a child's TaskRun is its path from pr: "<task>/<task of the
// child>".
func children(ctx context.Context, c client.Client, pr *v1.PipelineRun) ([]v1.TaskRun, error) {
	trs, runs, err := runTree(ctx, c, pr, "", 0)
	if err != nil {
		return nil, err
	}
	execOrder(trs, treeGraph(runs))
	return trs, nil
}

// maxDepth bounds how deep the CLI follows child PipelineRuns.
const maxDepth = 16

// runTree lists the TaskRuns pr controls and, depth first, those of the
// child PipelineRuns it controls, their task labels prefixed with path;
// runs maps each path to the PipelineRun at it ("" is pr).
func runTree(ctx context.Context, c client.Client, pr *v1.PipelineRun, path string, depth int) ([]v1.TaskRun, map[string]*v1.PipelineRun, error) {
	runs := map[string]*v1.PipelineRun{path: pr}
	sel := []client.ListOption{client.InNamespace(pr.Namespace), client.MatchingLabels{resources.LabelPipelineRun: pr.Name}}
	list := &v1.TaskRunList{}
	if err := c.List(ctx, list, sel...); err != nil {
		return nil, nil, err
	}
	var out []v1.TaskRun
	for _, tr := range list.Items {
		if metav1.IsControlledBy(&tr, pr) {
			tr.Labels[resources.LabelPipelineTask] = join(path, tr.Labels[resources.LabelPipelineTask])
			out = append(out, tr)
		}
	}
	prs := &v1.PipelineRunList{}
	if err := c.List(ctx, prs, sel...); err != nil || depth >= maxDepth {
		return out, runs, err
	}
	for i := range prs.Items {
		child := &prs.Items[i]
		if !metav1.IsControlledBy(child, pr) {
			continue
		}
		trs, sub, err := runTree(ctx, c, child, join(path, child.Labels[resources.LabelPipelineTask]), depth+1)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, trs...)
		for k, v := range sub {
			runs[k] = v
		}
	}
	return out, runs, nil
}

// join is a task's path below the task at path.
func join(path, task string) string {
	if path == "" {
		return task
	}
	return path + "/" + task
}
