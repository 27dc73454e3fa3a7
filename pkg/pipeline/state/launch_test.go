package state_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func launchParams(p v1.PipelineTask) map[string]v1.ParamValue {
	out := map[string]v1.ParamValue{}
	for _, x := range p.Params {
		out[x.Name] = x.Value
	}
	return out
}

func str(s string) v1.ParamValue { return *v1.NewStructuredValues(s) }

func TestLaunchParams(t *testing.T) {
	t.Parallel()
	spec := v1.PipelineSpec{
		Params: v1.ParamSpecs{
			{Name: "s", Default: v1.NewStructuredValues("def")},
			{Name: "arr", Type: v1.ParamTypeArray, Default: v1.NewStructuredValues("x", "y")},
			{Name: "obj", Type: v1.ParamTypeObject, Default: v1.NewObject(map[string]string{"k": "v", "k2": "v2"})},
		},
		Tasks: []v1.PipelineTask{pt("a"), pt("b",
			"s=$(params.s)", "arr=$(params.arr[*])", "el=$(params.arr[1])", "obj=$(params.obj[*])", "key=$(params.obj.k2)",
			"res=$(tasks.a.results.r)", "ctx=$(context.pipelineRun.name)/$(context.pipelineRun.namespace)/$(context.pipelineRun.uid)/$(context.pipeline.name)")},
		Finally: []v1.PipelineTask{pt("f", "st=$(tasks.a.status)/$(tasks.b.status)/$(tasks.status)")},
	}
	run := func(pr *v1.PipelineRun) {
		pr.Spec.Params = v1.Params{{Name: "obj", Value: *v1.NewObject(map[string]string{"k": "over"})}}
	}
	p := evaluate(t, fixture{spec: spec, run: run, trs: []*v1.TaskRun{tr("a", -1, "ok", "r=R")}})
	if len(p.Create) != 1 {
		t.Fatalf("Create = %+v", p.Create)
	}
	want := map[string]v1.ParamValue{
		"s": str("def"), "arr": {Type: v1.ParamTypeArray, ArrayVal: []string{"x", "y"}}, "el": str("y"),
		"obj": {Type: v1.ParamTypeObject, ObjectVal: map[string]string{"k": "over", "k2": "v2"}}, "key": str("v2"),
		"res": str("R"), "ctx": str("run/ns/uid-1/pipe"),
	}
	if diff := cmp.Diff(want, launchParams(p.Create[0].Task)); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	p = evaluate(t, fixture{spec: spec, run: run, trs: []*v1.TaskRun{tr("a", -1, "ok", "r=R"), tr("b", -1, "fail")}})
	if len(p.Create) != 1 || p.Create[0].Name != "run-f" || !p.Create[0].Finally {
		t.Fatalf("Create = %+v", p.Create)
	}
	if got := launchParams(p.Create[0].Task)["st"].StringVal; got != "Succeeded/Failed/Failed" {
		t.Errorf("finally status param = %q", got)
	}
}

func TestMatrix(t *testing.T) {
	t.Parallel()
	matrixTask := func(include bool) v1.PipelineTask {
		m := pt("m")
		m.Matrix = &v1.Matrix{Params: v1.Params{
			{Name: "os", Value: *v1.NewStructuredValues("linux", "mac", "windows")},
			{Name: "arch", Value: *v1.NewStructuredValues("$(params.arches[*])")},
		}}
		if include {
			m.Matrix.Include = v1.IncludeParamsList{{Name: "extra", Params: v1.Params{{Name: "os", Value: str("plan9")}, {Name: "arch", Value: str("mips")}}}}
		}
		return m
	}
	spec := func(include bool, arches ...string) v1.PipelineSpec {
		def := &v1.ParamValue{Type: v1.ParamTypeArray, ArrayVal: arches}
		return v1.PipelineSpec{
			Params: v1.ParamSpecs{{Name: "arches", Type: v1.ParamTypeArray, Default: def}},
			Tasks:  []v1.PipelineTask{matrixTask(include), pt("after", "all=$(tasks.m.results.out[*])")},
		}
	}
	t.Run("3x2 fans out into 6 TaskRuns", func(t *testing.T) {
		t.Parallel()
		p := evaluate(t, fixture{spec: spec(false, "amd64", "arm64")})
		var got []string
		for _, l := range p.Create {
			ps := launchParams(l.Task)
			got = append(got, l.Name+":"+ps["os"].StringVal+"/"+ps["arch"].StringVal)
		}
		want := []string{"run-m-0:linux/amd64", "run-m-1:mac/amd64", "run-m-2:windows/amd64", "run-m-3:linux/arm64", "run-m-4:mac/arm64", "run-m-5:windows/arm64"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("launches (-want +got):\n%s", diff)
		}
	})
	t.Run("include adds a combination", func(t *testing.T) {
		t.Parallel()
		p := evaluate(t, fixture{spec: spec(true, "amd64", "arm64")})
		if len(p.Create) != 7 || launchParams(p.Create[6].Task)["os"].StringVal != "plan9" {
			t.Errorf("launches = %d, last %+v", len(p.Create), p.Create[len(p.Create)-1].Task.Params)
		}
	})
	t.Run("results aggregate into an array", func(t *testing.T) {
		t.Parallel()
		trs := []*v1.TaskRun{tr("m", 0, "ok", "out=a"), tr("m", 1, "ok", "out=b"), tr("m", 2, "ok", "out=c")}
		p := evaluate(t, fixture{spec: spec(false, "amd64"), trs: trs})
		if len(p.Create) != 1 || p.Create[0].Name != "run-after" {
			t.Fatalf("Create = %+v", p.Create)
		}
		if diff := cmp.Diff([]string{"a", "b", "c"}, launchParams(p.Create[0].Task)["all"].ArrayVal); diff != "" {
			t.Errorf("aggregated (-want +got):\n%s", diff)
		}
	})
	t.Run("partly created matrix creates the rest", func(t *testing.T) {
		t.Parallel()
		p := evaluate(t, fixture{spec: spec(false, "amd64"), trs: []*v1.TaskRun{tr("m", 1, "run")}})
		if got := summarize(p).Create; !cmp.Equal(got, []string{"run-m-0", "run-m-2"}) {
			t.Errorf("Create = %v", got)
		}
	})
	t.Run("empty array skips", func(t *testing.T) {
		t.Parallel()
		p := evaluate(t, fixture{spec: spec(false)})
		if s := summarize(p); s.Skipped["m"] != v1.EmptyArrayInMatrixParams || s.Skipped["after"] != v1.ParentTasksSkip {
			t.Errorf("skipped = %v", s.Skipped)
		}
	})
	t.Run("too many combinations fail clearly", func(t *testing.T) {
		t.Parallel()
		arches := make([]string, 100)
		for i := range arches {
			arches[i] = "a" + strconv.Itoa(i)
		}
		p := evaluate(t, fixture{spec: spec(false, arches...)})
		want := `pipeline task "m": matrix has 300 combinations, more than the maximum of 256 (config key max-matrix-combinations)`
		if !p.Done || p.Condition.Reason != "PipelineRunValidationFailed" || p.Condition.Message != want {
			t.Errorf("condition = %+v", p.Condition)
		}
	})
}

func TestLaunchTimeout(t *testing.T) {
	t.Parallel()
	own := pt("a")
	own.Timeout = &metav1.Duration{Duration: 30 * time.Minute}
	tests := []struct {
		name    string
		task    v1.PipelineTask
		run     func(*v1.PipelineRun)
		elapsed time.Duration
		want    *metav1.Duration
	}{
		{name: "default pipeline timeout bounds", task: pt("a"), elapsed: 10 * time.Minute, want: &metav1.Duration{Duration: 50 * time.Minute}},
		{name: "task timeout wins when shorter", task: own, want: &metav1.Duration{Duration: 30 * time.Minute}},
		{name: "tasks timeout remaining", task: own, run: timeouts(time.Hour, 20*time.Minute, 0), elapsed: 5 * time.Minute, want: &metav1.Duration{Duration: 15 * time.Minute}},
		{name: "no pipeline timeout", task: pt("a"), run: timeouts(0, 0, 0), want: &metav1.Duration{Duration: time.Hour}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := evaluate(t, fixture{spec: v1.PipelineSpec{Tasks: []v1.PipelineTask{tc.task}}, run: tc.run, elapsed: tc.elapsed})
			if len(p.Create) != 1 {
				t.Fatalf("Create = %+v", p.Create)
			}
			if diff := cmp.Diff(tc.want, p.Create[0].Timeout); diff != "" {
				t.Errorf("timeout (-want +got):\n%s", diff)
			}
			if p.RequeueAfter <= 0 {
				t.Errorf("RequeueAfter = %v, want the next timeout", p.RequeueAfter)
			}
		})
	}
}

func TestResultsAndChildReferences(t *testing.T) {
	t.Parallel()
	trs := []*v1.TaskRun{tr("a", -1, "ok", "out=1"), tr("b", -1, "ok", "out=2"), tr("c", -1, "ok", "out=3"), tr("d", -1, "ok", "out=4")}
	spec := diamond()
	spec.Results = append(spec.Results, v1.PipelineResult{Name: "ghost", Value: str("$(tasks.a.results.nope)")},
		v1.PipelineResult{Name: "mixed", Value: str("$(tasks.a.results.out)-$(tasks.c.results.out)")})
	p := evaluate(t, fixture{spec: spec, trs: trs})
	want := []v1.PipelineRunResult{{Name: "final", Value: str("4")}, {Name: "mixed", Value: str("1-3")}}
	if diff := cmp.Diff(want, p.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	var names []string
	for _, c := range p.ChildReferences {
		names = append(names, c.PipelineTaskName+"="+c.Name+"/"+c.Kind)
	}
	if diff := cmp.Diff([]string{"a=run-a/TaskRun", "b=run-b/TaskRun", "c=run-c/TaskRun", "d=run-d/TaskRun"}, names); diff != "" {
		t.Errorf("childReferences (-want +got):\n%s", diff)
	}
}
