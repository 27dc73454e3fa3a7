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

// TestLogsInExecutionOrder: a task that consumed another's result started
// in the same second (times have whole seconds) and its name sorts first;
// its log still comes second, whether the run is followed or not, even
// when the first task's log is slow to read.
func TestLogsInExecutionOrder(t *testing.T) {
	pr := &v1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "dev", UID: "pr-uid"},
		Status: v1.PipelineRunStatus{
			Status: cond(corev1.ConditionTrue, "Succeeded", "Tasks Completed: 2"),
			PipelineRunStatusFields: v1.PipelineRunStatusFields{PipelineSpec: &v1.PipelineSpec{Tasks: []v1.PipelineTask{
				{Name: "make"},
				{Name: "use", Params: v1.Params{{Name: "w", Value: *v1.NewStructuredValues("$(tasks.make.results.word)")}}},
			}}},
		},
	}
	owner := []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: pr.Name, UID: pr.UID, Controller: ptrTrue()}}
	tr := func(name, task string, start float64) *v1.TaskRun {
		return &v1.TaskRun{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dev", OwnerReferences: owner,
				Labels: map[string]string{resources.LabelPipelineRun: pr.Name, resources.LabelPipelineTask: task}},
			Status: v1.TaskRunStatus{Status: cond(corev1.ConditionTrue, "Succeeded", ""), TaskRunStatusFields: v1.TaskRunStatusFields{
				StartTime: at(start), CompletionTime: at(start + 0.3), Steps: []v1.StepState{step("s", 0, start, start+0.2)},
			}},
		}
	}
	objs := []client.Object{pr, tr("hello-b-make", "make", 1.1), tr("hello-a-use", "use", 1.5)}
	for _, follow := range []bool{false, true} {
		e, out := testEnv(t, objs...)
		e.openLog = func(_ context.Context, tr *v1.TaskRun, _ v1.StepState) (io.ReadCloser, error) {
			if tr.Name == "hello-b-make" {
				time.Sleep(50 * time.Millisecond) // the race a follow must not lose
			}
			return io.NopCloser(strings.NewReader("from " + tr.Name + "\n")), nil
		}
		root := e.root()
		args := []string{"logs", "hello"}
		if follow {
			args = append(args, "-f")
		}
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Fatalf("follow=%v: %v", follow, err)
		}
		want := "[make:s] from hello-b-make\n[use:s] from hello-a-use\n"
		if !strings.HasPrefix(out.String(), want) {
			t.Errorf("follow=%v: printed\n%s\nwant it to start with\n%s", follow, out, want)
		}
	}
}
