package cli

import (
	"context"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

func TestTaskGraph(t *testing.T) {
	ref := func(task string) v1.Params {
		return v1.Params{{Name: "p", Value: *v1.NewStructuredValues("$(tasks." + task + ".results.r)")}}
	}
	spec := &v1.PipelineSpec{
		Tasks: []v1.PipelineTask{
			{Name: "clone"},
			{Name: "lint", RunAfter: []string{"clone"}},
			{Name: "build", Params: ref("clone")},
			{Name: "deploy", Params: ref("build"), RunAfter: []string{"lint"}},
			{Name: "side"},
		},
		Finally: []v1.PipelineTask{{Name: "notify"}},
	}
	g := graphOf(&v1.PipelineRun{Status: v1.PipelineRunStatus{PipelineRunStatusFields: v1.PipelineRunStatusFields{PipelineSpec: spec}}})
	depth := g.depths()
	cases := []struct {
		task      string
		depth     int
		ancestors []string
	}{
		{"clone", 0, nil},
		{"side", 0, nil},
		{"lint", 1, []string{"clone"}},
		{"build", 1, []string{"clone"}},
		{"deploy", 2, []string{"build", "clone", "lint"}},
		{"notify", 3, []string{"build", "clone", "deploy", "lint", "side"}},
	}
	for _, tc := range cases {
		var got []string
		for a := range g.ancestors(tc.task) {
			got = append(got, a)
		}
		sort.Strings(got)
		if depth[tc.task] != tc.depth || !reflect.DeepEqual(got, tc.ancestors) {
			t.Errorf("%s: depth %d ancestors %v, want %d %v", tc.task, depth[tc.task], got, tc.depth, tc.ancestors)
		}
	}
	if got := graphOf(&v1.PipelineRun{}); len(got) != 0 {
		t.Errorf("a PipelineRun with no spec yet: graph %v, want none", got)
	}
}

// printedLogs runs "slipway logs RUN" (with -f when follow) over objs,
// each step printing "from <TaskRun>"; the first TaskRun named slow is
// slow to read.
func printedLogs(t *testing.T, objs []client.Object, run, slow string, follow bool) string {
	t.Helper()
	e, out := testEnv(t, objs...)
	e.openLog = func(_ context.Context, tr *v1.TaskRun, _ v1.StepState) (io.ReadCloser, error) {
		if tr.Name == slow {
			time.Sleep(50 * time.Millisecond) // the race a follow must not lose
		}
		return io.NopCloser(strings.NewReader("from " + tr.Name + "\n")), nil
	}
	root := e.root()
	args := []string{"logs", run}
	if follow {
		args = append(args, "-f")
	}
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("follow=%v: %v", follow, err)
	}
	return out.String()
}

func doneRun(owner metav1.Object, name, task string, start float64) *v1.TaskRun {
	yes := true
	return &v1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dev",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: owner.GetName(), UID: owner.GetUID(), Controller: &yes}},
			Labels:          map[string]string{resources.LabelPipelineRun: owner.GetName(), resources.LabelPipelineTask: task}},
		Status: v1.TaskRunStatus{Status: cond(corev1.ConditionTrue, "Succeeded", ""), TaskRunStatusFields: v1.TaskRunStatusFields{
			StartTime: at(start), CompletionTime: at(start + 0.3), Steps: []v1.StepState{step("s", 0, start, start+0.2)},
		}},
	}
}

func donePipelineRun(name, uid string, spec *v1.PipelineSpec) *v1.PipelineRun {
	return &v1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dev", UID: types.UID(uid)},
		Status: v1.PipelineRunStatus{
			Status:                  cond(corev1.ConditionTrue, "Succeeded", "Tasks Completed"),
			PipelineRunStatusFields: v1.PipelineRunStatusFields{PipelineSpec: spec},
		},
	}
}

// TestLogsInExecutionOrder: tasks that started in the same second (times
// have whole seconds), with names that sort the other way, still print in
// the order they ran, followed or not, even when the first one's log is
// slow to read: a task that consumed another's result, and the tasks of a
// pipeline inside the pipeline (their lines named by their path).
func TestLogsInExecutionOrder(t *testing.T) {
	pr := donePipelineRun("hello", "pr-uid", &v1.PipelineSpec{Tasks: []v1.PipelineTask{
		{Name: "make"},
		{Name: "use", Params: v1.Params{{Name: "w", Value: *v1.NewStructuredValues("$(tasks.make.results.word)")}}},
	}})
	nest := donePipelineRun("nest", "nest-uid", &v1.PipelineSpec{Tasks: []v1.PipelineTask{
		{Name: "scan", PipelineSpec: &v1.PipelineSpec{}},
		{Name: "after", RunAfter: []string{"scan"}},
	}})
	child := donePipelineRun("nest-scan", "child-uid", &v1.PipelineSpec{Tasks: []v1.PipelineTask{
		{Name: "a"}, {Name: "b", RunAfter: []string{"a"}},
	}})
	yes := true
	child.OwnerReferences = []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: "nest", UID: "nest-uid", Controller: &yes}}
	child.Labels = map[string]string{resources.LabelPipelineRun: "nest", resources.LabelPipelineTask: "scan"}
	cases := []struct {
		name, run, slow, want string
		objs                  []client.Object
	}{
		{"result consumer", "hello", "hello-b-make", "[make:s] from hello-b-make\n[use:s] from hello-a-use\n",
			[]client.Object{pr, doneRun(pr, "hello-b-make", "make", 1.1), doneRun(pr, "hello-a-use", "use", 1.5)}},
		{"pipeline in the pipeline", "nest", "nest-scan-z",
			"[scan/a:s] from nest-scan-z\n[scan/b:s] from nest-scan-y\n[after:s] from nest-after\n",
			[]client.Object{nest, child, doneRun(child, "nest-scan-z", "a", 1.1), doneRun(child, "nest-scan-y", "b", 1.3),
				doneRun(nest, "nest-after", "after", 1.6)}},
	}
	for _, tc := range cases {
		for _, follow := range []bool{false, true} {
			if got := printedLogs(t, tc.objs, tc.run, tc.slow, follow); !strings.HasPrefix(got, tc.want) {
				t.Errorf("%s, follow=%v: printed\n%s\nwant it to start with\n%s", tc.name, follow, got, tc.want)
			}
		}
	}
}

// TestLastSkipsChildren: --last is the newest run that no PipelineRun
// owns, not a child PipelineRun made after its parent.
func TestLastSkipsChildren(t *testing.T) {
	parent := donePipelineRun("parent", "p-uid", nil)
	parent.CreationTimestamp = *at(0)
	child := donePipelineRun("parent-scan", "c-uid", nil)
	child.CreationTimestamp = *at(5)
	child.Labels = map[string]string{resources.LabelPipelineRun: "parent", resources.LabelPipelineTask: "scan"}
	e, _ := testEnv(t, parent, child)
	c, _, _ := e.clients()
	got, err := last(context.Background(), c, "dev")
	if err != nil || got.pr == nil || got.pr.Name != "parent" {
		t.Errorf("last = %+v, %v; want the parent", got.object(), err)
	}
}
