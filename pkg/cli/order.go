package cli

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// taskGraph is, for each pipeline task, the pipeline tasks it runs after
// (result references and runAfter; every DAG task for a finally task).
type taskGraph map[string][]string

// specOf is the spec pr's status recorded, or its own embedded spec
// before the first reconcile; an empty one when it has neither yet.
func specOf(pr *v1.PipelineRun) *v1.PipelineSpec {
	switch {
	case pr.Status.PipelineSpec != nil:
		return pr.Status.PipelineSpec
	case pr.Spec.PipelineSpec != nil:
		return pr.Spec.PipelineSpec
	}
	return &v1.PipelineSpec{}
}

// names are the pipeline tasks' names.
func names(lists ...[]v1.PipelineTask) []string {
	var out []string
	for _, pts := range lists {
		for _, pt := range pts {
			out = append(out, pt.Name)
		}
	}
	return out
}

// graphOf is pr's task graph (see specOf).
func graphOf(pr *v1.PipelineRun) taskGraph {
	spec := specOf(pr)
	g := taskGraph{}
	for name, deps := range v1.PipelineTaskList(spec.Tasks).Deps() {
		g[name] = deps
	}
	all := names(spec.Tasks)
	for _, f := range spec.Finally {
		g[f.Name] = all
	}
	return g
}

// treeGraph is the task graph of a run and of its child PipelineRuns over
// task paths (runs maps each path to the PipelineRun at it, see runTree):
// a child's task runs after the tasks before it in the child and after
// what each enclosing pipeline task runs after; a pipeline task that runs
// a child runs after every task of it (it ends when they end).
func treeGraph(runs map[string]*v1.PipelineRun) taskGraph {
	own := taskGraph{}
	for path, pr := range runs {
		for task, deps := range graphOf(pr) {
			for _, d := range deps {
				own[join(path, task)] = append(own[join(path, task)], join(path, d))
			}
		}
	}
	g := taskGraph{}
	for k, v := range own {
		g[k] = append([]string(nil), v...)
	}
	for path, pr := range runs {
		if path == "" {
			continue
		}
		spec := specOf(pr)
		for _, task := range names(spec.Tasks, spec.Finally) {
			p := join(path, task)
			for q := path; ; q = q[:strings.LastIndexByte(q, '/')] {
				g[p] = append(g[p], own[q]...) // what each enclosing task runs after
				if !strings.Contains(q, "/") {
					break
				}
			}
			g[path] = append(g[path], p)
		}
	}
	return g
}

// depths is, for each task, the longest chain of tasks it runs after.
func (g taskGraph) depths() map[string]int {
	d := map[string]int{}
	var visit func(task string, seen map[string]bool) int
	visit = func(task string, seen map[string]bool) int {
		if n, ok := d[task]; ok {
			return n
		}
		if seen[task] { // a cycle, which validation refuses: stop here
			return 0
		}
		seen[task] = true
		n := 0
		for _, up := range g[task] {
			n = max(n, visit(up, seen)+1)
		}
		d[task] = n
		return n
	}
	for task := range g {
		visit(task, map[string]bool{})
	}
	return d
}

// ancestors is every task that task runs after, directly or not.
func (g taskGraph) ancestors(task string) map[string]bool {
	out := map[string]bool{}
	todo := append([]string(nil), g[task]...)
	for len(todo) > 0 {
		up := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !out[up] {
			out[up] = true
			todo = append(todo, g[up]...)
		}
	}
	return out
}

// covered reports whether the task at path, or a task it is part of (a
// prefix of the path: its child PipelineRun's task), is in set.
func covered(set map[string]bool, path string) bool {
	for {
		if set[path] {
			return true
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// execOrder orders TaskRuns as they ran: by start time (creation for one
// not started); within one second (the times have whole seconds) a task
// before the tasks that run after it; then by name.
func execOrder(trs []v1.TaskRun, g taskGraph) {
	depth := g.depths()
	start := func(tr *v1.TaskRun) time.Time {
		if tr.Status.StartTime != nil {
			return tr.Status.StartTime.Time
		}
		return tr.CreationTimestamp.Time
	}
	sort.SliceStable(trs, func(i, j int) bool {
		a, b := start(&trs[i]), start(&trs[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		da, db := depth[trs[i].Labels[resources.LabelPipelineTask]], depth[trs[j].Labels[resources.LabelPipelineTask]]
		if da != db {
			return da < db
		}
		return trs[i].Name < trs[j].Name
	})
}

// printOrder keeps a followed PipelineRun's output in execution order: a
// task's log starts only after the logs of the tasks it ran after have
// been printed, while tasks that run side by side print side by side.
type printOrder struct {
	pr   *v1.PipelineRun
	mu   sync.Mutex
	done map[string]chan struct{} // by TaskRun name, closed once printed
}

func newPrintOrder(pr *v1.PipelineRun) *printOrder {
	return &printOrder{pr: pr, done: map[string]chan struct{}{}}
}

// start registers a TaskRun the follow loop prints; the returned func
// marks its log printed.
func (o *printOrder) start(taskRun string) func() {
	ch := make(chan struct{})
	o.mu.Lock()
	o.done[taskRun] = ch
	o.mu.Unlock()
	return func() { close(ch) }
}

// printed is closed once the TaskRun's log has been printed; nil for a
// TaskRun the follow loop has not started (which it may never: the run
// ended, or the TaskRun is gone), which is not waited for.
func (o *printOrder) printed(taskRun string) chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done[taskRun]
}

// waitAncestors returns once every TaskRun of a task that task runs after,
// and that the follow loop prints, has been printed. Those exist, and the
// loop has listed them, well before task starts (they ran first).
func (lr *logReader) waitAncestors(ctx context.Context, self, task string) error {
	o := lr.order
	if o == nil || task == "" {
		return nil
	}
	t, err := refresh(ctx, lr.c, target{pr: o.pr}) // its status has the spec by now
	if err != nil {
		return err
	}
	trs, runs, err := runTree(ctx, lr.c, t.pr, "", 0)
	if err != nil {
		return err
	}
	up := treeGraph(runs).ancestors(task)
	for _, tr := range trs {
		ch := o.printed(tr.Name)
		if tr.Name == self || ch == nil || !covered(up, tr.Labels[resources.LabelPipelineTask]) {
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
