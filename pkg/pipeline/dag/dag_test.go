package dag_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
)

func task(name string, runAfter ...string) v1.PipelineTask {
	return v1.PipelineTask{Name: name, RunAfter: runAfter}
}

func withParam(pt v1.PipelineTask, value string) v1.PipelineTask {
	pt.Params = append(pt.Params, v1.Param{Name: "p", Value: *v1.NewStructuredValues(value)})
	return pt
}

func TestBuildDeps(t *testing.T) {
	t.Parallel()
	whenTask := task("w")
	whenTask.When = v1.WhenExpressions{{Input: "$(tasks.a.results.x)", Operator: "in", Values: []string{"y"}}}
	matrixTask := task("m")
	matrixTask.Matrix = &v1.Matrix{Params: v1.Params{{Name: "p", Value: *v1.NewStructuredValues("$(tasks.b.results.list[*])")}}}
	tests := []struct {
		name    string
		tasks   []v1.PipelineTask
		finally []v1.PipelineTask
		want    map[string][]string
	}{{
		name:  "diamond",
		tasks: []v1.PipelineTask{task("a"), task("b", "a"), withParam(task("c"), "$(tasks.a.results.r)"), task("d", "b", "c")},
		want:  map[string][]string{"a": nil, "b": {"a"}, "c": {"a"}, "d": {"b", "c"}},
	}, {
		name:  "fan-in of results and runAfter deduplicated",
		tasks: []v1.PipelineTask{task("a"), task("b"), withParam(withParam(task("c", "a"), "$(tasks.a.results.r) $(tasks.b.results.s[0])"), "$(tasks.a.results.o.key)")},
		want:  map[string][]string{"a": nil, "b": nil, "c": {"a", "b"}},
	}, {
		name:  "when and matrix references",
		tasks: []v1.PipelineTask{task("a"), task("b"), whenTask, matrixTask},
		want:  map[string][]string{"a": nil, "b": nil, "w": {"a"}, "m": {"b"}},
	}, {
		name:    "finally reads task results",
		tasks:   []v1.PipelineTask{task("a")},
		finally: []v1.PipelineTask{withParam(task("f"), "$(tasks.a.results.r) $(tasks.a.status) $(tasks.status)")},
		want:    map[string][]string{"a": nil, "f": {"a"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := dag.Build(tc.tasks, tc.finally)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			got := map[string][]string{}
			for _, n := range append(append([]string{}, g.Tasks()...), g.Finally()...) {
				got[n] = g.Deps(n)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("deps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tasks   []v1.PipelineTask
		finally []v1.PipelineTask
		want    string
	}{{
		name:  "two-task cycle",
		tasks: []v1.PipelineTask{task("a", "b"), task("b", "a")},
		want:  "dependency cycle b -> a -> b",
	}, {
		name:  "three-task cycle through a result",
		tasks: []v1.PipelineTask{task("x"), task("a", "c", "x"), task("b", "a"), withParam(task("c"), "$(tasks.b.results.r)")},
		want:  "dependency cycle b -> c -> a -> b",
	}, {
		name:  "self reference",
		tasks: []v1.PipelineTask{task("a", "a")},
		want:  `task "a" runs after itself`,
	}, {
		name:  "unknown runAfter",
		tasks: []v1.PipelineTask{task("a", "nope")},
		want:  `task "a" runs after unknown task "nope"`,
	}, {
		name:  "unknown result task",
		tasks: []v1.PipelineTask{withParam(task("a"), "$(tasks.ghost.results.r)")},
		want:  `task "a" uses result "r" of unknown task "ghost"`,
	}, {
		name:  "duplicate",
		tasks: []v1.PipelineTask{task("a"), task("a")},
		want:  `task name "a" is used more than once`,
	}, {
		name:    "duplicate across finally",
		tasks:   []v1.PipelineTask{task("a")},
		finally: []v1.PipelineTask{task("a")},
		want:    `task name "a" is used more than once`,
	}, {
		name:  "empty name",
		tasks: []v1.PipelineTask{task("")},
		want:  "tasks[0] has no name",
	}, {
		name:    "task runs after finally",
		tasks:   []v1.PipelineTask{task("a", "f")},
		finally: []v1.PipelineTask{task("f")},
		want:    `task "a" runs after finally task "f"`,
	}, {
		name:    "finally with runAfter",
		tasks:   []v1.PipelineTask{task("a")},
		finally: []v1.PipelineTask{task("f", "a")},
		want:    `finally task "f" has runAfter`,
	}, {
		name:    "finally reads finally",
		tasks:   []v1.PipelineTask{task("a")},
		finally: []v1.PipelineTask{task("f"), withParam(task("g"), "$(tasks.f.results.r)")},
		want:    `finally task "g" uses result "r" of finally task "f"`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := dag.Build(tc.tasks, tc.finally)
			if err == nil {
				t.Fatalf("Build: want error containing %q, got nil", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, dag.ErrInvalid) {
				t.Errorf("Build error = %q, want it to contain %q and wrap ErrInvalid", err, tc.want)
			}
		})
	}
}

func TestRunnable(t *testing.T) {
	t.Parallel()
	g, err := dag.Build([]v1.PipelineTask{task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"), task("e")}, []v1.PipelineTask{task("f")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		done []string
		want []string
	}{
		{name: "nothing done", want: []string{"a", "e"}},
		{name: "root done", done: []string{"a"}, want: []string{"b", "c", "e"}},
		{name: "half of the fan-in", done: []string{"a", "b", "e"}, want: []string{"c"}},
		{name: "fan-in ready", done: []string{"a", "b", "c", "e"}, want: []string{"d"}},
		{name: "all done", done: []string{"a", "b", "c", "d", "e"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done := map[string]bool{}
			for _, n := range tc.done {
				done[n] = true
			}
			if diff := cmp.Diff(tc.want, g.Runnable(done)); diff != "" {
				t.Errorf("Runnable (-want +got):\n%s", diff)
			}
		})
	}
	if !g.IsFinally("f") || g.IsFinally("a") || g.IsFinally("zz") {
		t.Errorf("IsFinally is wrong")
	}
}

func BenchmarkBuildFanOutFanIn(b *testing.B) {
	tasks := []v1.PipelineTask{task("root")}
	var all []string
	for i := 0; i < 500; i++ {
		n := "t" + strconv.Itoa(i)
		tasks = append(tasks, withParam(task(n), "$(tasks.root.results.r)"))
		all = append(all, n)
	}
	tasks = append(tasks, task("sink", all...))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dag.Build(tasks, nil); err != nil {
			b.Fatal(err)
		}
	}
}
