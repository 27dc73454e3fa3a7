package dag

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// ErrInvalid is wrapped by every error Build returns, so that callers can
// tell a malformed pipeline (a user error) from anything else.
var ErrInvalid = errors.New("invalid pipeline graph")

// CycleError reports a dependency cycle. Path starts and ends with the same
// task, e.g. [a b c a].
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("%v: dependency cycle %s", ErrInvalid, strings.Join(e.Path, " -> "))
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *CycleError) Unwrap() error { return ErrInvalid }

// Graph is the dependency graph of a pipeline's tasks. It is immutable
// once built and safe for concurrent reads.
type Graph struct {
	tasks   []string            // ordinary tasks, in spec order
	finally []string            // finally tasks, in spec order
	deps    map[string][]string // task -> tasks it waits for (sorted)
	index   map[string]int      // task -> position in tasks
}

// Build returns the graph of tasks and finally tasks. It fails, wrapping
// ErrInvalid, on empty or duplicate names, references to unknown tasks,
// ordinary tasks that depend on finally tasks, finally tasks with runAfter
// or that read other finally tasks' results, and cycles.
func Build(tasks, finally []v1.PipelineTask) (*Graph, error) {
	g := &Graph{deps: map[string][]string{}, index: map[string]int{}}
	isFinally := map[string]bool{}
	for i, pt := range tasks {
		if err := g.addName(pt.Name, "tasks", i); err != nil {
			return nil, err
		}
		g.index[pt.Name] = i
		g.tasks = append(g.tasks, pt.Name)
	}
	for i, pt := range finally {
		if err := g.addName(pt.Name, "finally", i); err != nil {
			return nil, err
		}
		isFinally[pt.Name] = true
		g.finally = append(g.finally, pt.Name)
	}
	for _, pt := range tasks {
		deps, err := taskDeps(pt, g.index, isFinally)
		if err != nil {
			return nil, err
		}
		g.deps[pt.Name] = deps
	}
	for _, pt := range finally {
		deps, err := finallyDeps(pt, g.index, isFinally)
		if err != nil {
			return nil, err
		}
		g.deps[pt.Name] = deps
	}
	if cycle := g.findCycle(); cycle != nil {
		return nil, &CycleError{Path: cycle}
	}
	return g, nil
}

func (g *Graph) addName(name, field string, i int) error {
	if name == "" {
		return fmt.Errorf("%w: %s[%d] has no name", ErrInvalid, field, i)
	}
	if _, dup := g.deps[name]; dup {
		return fmt.Errorf("%w: task name %q is used more than once", ErrInvalid, name)
	}
	g.deps[name] = nil
	return nil
}

// taskDeps lists what an ordinary task waits for: runAfter plus result refs.
func taskDeps(pt v1.PipelineTask, known map[string]int, isFinally map[string]bool) ([]string, error) {
	set := map[string]bool{}
	check := func(dep, how string) error {
		switch {
		case dep == pt.Name:
			return fmt.Errorf("%w: task %q %s itself", ErrInvalid, pt.Name, how)
		case isFinally[dep]:
			return fmt.Errorf("%w: task %q %s finally task %q; finally tasks run only after every task", ErrInvalid, pt.Name, how, dep)
		}
		if _, ok := known[dep]; !ok {
			return fmt.Errorf("%w: task %q %s unknown task %q", ErrInvalid, pt.Name, how, dep)
		}
		set[dep] = true
		return nil
	}
	for _, dep := range pt.RunAfter {
		if err := check(dep, "runs after"); err != nil {
			return nil, err
		}
	}
	for _, ref := range v1.PipelineTaskResultRefs(&pt) {
		if err := check(ref.PipelineTask, fmt.Sprintf("uses result %q of", ref.Result)); err != nil {
			return nil, err
		}
	}
	return sortedKeys(set), nil
}

// finallyDeps lists the ordinary tasks whose results a finally task reads.
// Finally tasks run after all ordinary tasks anyway; these edges only tell
// the caller which results must exist.
func finallyDeps(pt v1.PipelineTask, known map[string]int, isFinally map[string]bool) ([]string, error) {
	if len(pt.RunAfter) > 0 {
		return nil, fmt.Errorf("%w: finally task %q has runAfter; finally tasks cannot be ordered", ErrInvalid, pt.Name)
	}
	set := map[string]bool{}
	for _, ref := range v1.PipelineTaskResultRefs(&pt) {
		dep := ref.PipelineTask
		if isFinally[dep] {
			return nil, fmt.Errorf("%w: finally task %q uses result %q of finally task %q; finally tasks can only use results of tasks", ErrInvalid, pt.Name, ref.Result, dep)
		}
		if _, ok := known[dep]; !ok {
			return nil, fmt.Errorf("%w: finally task %q uses result %q of unknown task %q", ErrInvalid, pt.Name, ref.Result, dep)
		}
		set[dep] = true
	}
	return sortedKeys(set), nil
}

func sortedKeys(set map[string]bool) []string {
	if len(set) == 0 {
		return nil
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// findCycle runs an iterative-friendly DFS over ordinary tasks in spec order
// and returns the first cycle found as a closed path, or nil.
func (g *Graph) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make(map[string]int, len(g.tasks))
	var stack []string
	var visit func(n string) []string
	visit = func(n string) []string {
		color[n] = grey
		stack = append(stack, n)
		for _, d := range g.deps[n] {
			switch color[d] {
			case grey:
				return closePath(stack, d)
			case white:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return nil
	}
	for _, n := range g.tasks {
		if color[n] == white {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// closePath turns the DFS stack into "start -> ... -> start" in the
// direction of execution (dependency first).
func closePath(stack []string, start string) []string {
	i := len(stack) - 1
	for stack[i] != start {
		i--
	}
	// stack[i:] follows "depends on" edges; reverse it to read as run order.
	path := make([]string, 0, len(stack)-i+1)
	for j := len(stack) - 1; j >= i; j-- {
		path = append(path, stack[j])
	}
	return append(path, stack[len(stack)-1])
}

// Tasks returns the ordinary tasks in spec order.
func (g *Graph) Tasks() []string { return g.tasks }

// Finally returns the finally tasks in spec order.
func (g *Graph) Finally() []string { return g.finally }

// Deps returns the tasks name waits for (for a finally task: the tasks
// whose results it reads). The slice is sorted and must not be modified.
func (g *Graph) Deps(name string) []string { return g.deps[name] }

// IsFinally reports whether name is a finally task.
func (g *Graph) IsFinally(name string) bool {
	_, ordinary := g.index[name]
	_, known := g.deps[name]
	return known && !ordinary
}

// Runnable returns, in spec order, the ordinary tasks not in done whose
// dependencies are all in done.
func (g *Graph) Runnable(done map[string]bool) []string {
	var out []string
	for _, n := range g.tasks {
		if done[n] {
			continue
		}
		ready := true
		for _, d := range g.deps[n] {
			if !done[d] {
				ready = false
				break
			}
		}
		if ready {
			out = append(out, n)
		}
	}
	return out
}
