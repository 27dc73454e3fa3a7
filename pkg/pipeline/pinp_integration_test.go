package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// nestedTask is taskSpec for a task of a pipeline inside a pipeline.
const nestedTask = `
          taskSpec:
            params: [{name: x, default: ""}]
            steps: [{name: s, image: busybox, script: "echo $(params.x)"}]`

// alpha turns on Tekton's alpha API fields for the controller until the
// test ends. Tests that call it are not parallel, so they end before the
// parallel ones start.
func (e *env) alpha(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "slipway"}}
	if err := e.c.Create(ctx, ns); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	ff := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "slipway", Name: "feature-flags"},
		Data: map[string]string{"enable-api-fields": "alpha"}}
	if err := e.c.Create(ctx, ff); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.c.Delete(ctx, ff) })
}

func (e *env) pipelineRun(ns, name string) (*v1.PipelineRun, error) {
	pr := &v1.PipelineRun{}
	err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, pr)
	return pr, client.IgnoreNotFound(err)
}

// createAlpha creates a PipelineRun that needs alpha fields, again while
// the controller's first pass refuses it (its cache has not seen alpha yet).
func (e *env) createAlpha(t *testing.T, ns, doc string) *v1.PipelineRun {
	t.Helper()
	for {
		pr := e.createRun(t, ns, doc)
		var refused bool
		waitFor(t, "the first pass over "+pr.Name, 30*time.Second, func() (bool, error) {
			cur, err := e.pipelineRun(ns, pr.Name)
			c := cur.Status.GetCondition(apis.ConditionSucceeded)
			refused = c != nil && c.IsFalse() && strings.Contains(c.Message, "alpha")
			return c != nil, err
		})
		if !refused {
			return pr
		}
	}
}

// waitChild waits for the child PipelineRun name and returns it.
func (e *env) waitChild(t *testing.T, ns, name string) *v1.PipelineRun {
	t.Helper()
	var pr *v1.PipelineRun
	e.waitCreated(t, ns, "child PipelineRun "+name, func() (bool, bool, error) {
		var err error
		pr, err = e.pipelineRun(ns, name)
		return pr.Name != "", true, err
	})
	return pr
}

// TestPipelinesInPipelines: a pipeline task with a pipelineSpec and one
// with a pipelineRef run as child PipelineRuns owned by the parent, with
// their params; the parent waits for them, and runs what comes after.
// A child that fails fails the parent; a parent cancelled cancels its
// running child; a pipelineRef back to an ancestor's Pipeline is refused.
func TestPipelinesInPipelines(t *testing.T) {
	e := startEnv(t)
	e.alpha(t)
	ns := e.namespace(t)
	ctx := context.Background()
	scans := &v1.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scans"}, Spec: v1.PipelineSpec{
		Params: v1.ParamSpecs{{Name: "repo", Type: v1.ParamTypeString}},
		Tasks: []v1.PipelineTask{{Name: "scan", Params: v1.Params{{Name: "x", Value: *v1.NewStructuredValues("$(params.repo)")}},
			TaskSpec: &v1.EmbeddedTask{TaskSpec: v1.TaskSpec{Params: v1.ParamSpecs{{Name: "x", Type: v1.ParamTypeString}},
				Steps: []v1.Step{{Name: "s", Image: "busybox", Script: "echo $(params.x)"}}}}}}}}
	if err := e.c.Create(ctx, scans); err != nil {
		t.Fatal(err)
	}
	pr := e.createAlpha(t, ns, `
metadata: {generateName: p-}
spec:
  params: [{name: repo, value: https://git.example/app}]
  pipelineSpec:
    params: [{name: repo}]
    tasks:
    - name: inline
      params: [{name: word, value: hi-$(params.repo)}]
      pipelineSpec:
        params: [{name: word}]
        tasks:
        - name: t
          params: [{name: x, value: $(params.word)}]`+nestedTask+`
    - name: byref
      params: [{name: repo, value: $(params.repo)}]
      pipelineRef: {name: scans}
    - name: after
      runAfter: [inline, byref]`+taskSpec)
	inline := e.waitChild(t, ns, pr.Name+"-inline")
	byref := e.waitChild(t, ns, pr.Name+"-byref")
	if c := metav1.GetControllerOf(inline); c == nil || c.UID != pr.UID {
		t.Errorf("child %s is not controlled by its parent: %+v", inline.Name, inline.OwnerReferences)
	}
	if got := byref.Labels["tekton.dev/pipeline"]; got != "scans" {
		t.Errorf("child by ref: tekton.dev/pipeline = %q, want scans", got)
	}
	if got := byref.Spec.Params; len(got) != 1 || got[0].Value.StringVal != "https://git.example/app" {
		t.Errorf("child by ref params = %+v", got)
	}
	it := e.waitTaskRun(t, ns, inline.Name+"-t")
	if got := param(it, "x"); got != "hi-https://git.example/app" {
		t.Errorf("grandchild param x = %q, want the parent's param through the child's", got)
	}
	if a, _ := e.taskRun(ns, pr.Name+"-after"); a.Name != "" && !resources.IsHeld(a) {
		t.Fatal("the task after the children started before they ended (and not held for them, D25)")
	}
	e.finish(t, it, true, nil)
	e.finish(t, e.waitTaskRun(t, ns, byref.Name+"-scan"), true, nil)
	if c := e.waitDone(t, ns, inline.Name).Status.GetCondition(apis.ConditionSucceeded); !c.IsTrue() {
		t.Fatalf("child inline: %+v", c)
	}
	e.finish(t, e.waitTaskRun(t, ns, pr.Name+"-after"), true, nil)
	done := e.waitDone(t, ns, pr.Name)
	if c := done.Status.GetCondition(apis.ConditionSucceeded); !c.IsTrue() {
		t.Fatalf("parent: %s", condition(done))
	}
	kinds := map[string]string{}
	for _, ref := range done.Status.ChildReferences {
		kinds[ref.PipelineTaskName] = ref.Kind
	}
	if kinds["inline"] != "PipelineRun" || kinds["byref"] != "PipelineRun" || kinds["after"] != "TaskRun" {
		t.Errorf("child references by kind: %v", kinds)
	}
	e.pinpFailures(t, ns)
}

// pinpFailures: a child that fails fails its parent; a cancelled parent
// cancels its child; $(tasks.<child>.status) is the child's outcome, and a
// matrix makes a child per combination (Tekton's alpha does not); a child
// of its own ancestor's Pipeline is refused.
func (e *env) pinpFailures(t *testing.T, ns string) {
	fail := e.createRun(t, ns, `
metadata: {name: f}
spec:
  pipelineSpec:
    tasks:
    - name: child
      pipelineSpec:
        tasks:
        - name: t`+nestedTask+`
    finally:
    - name: report
      params: [{name: x, value: $(tasks.child.status)}]`+taskSpec)
	e.finish(t, e.waitTaskRun(t, ns, "f-child-t"), false, nil)
	if got := param(e.waitTaskRun(t, ns, "f-report"), "x"); got != "Failed" {
		t.Errorf("$(tasks.child.status) of a failed child = %q, want Failed", got)
	}
	e.finish(t, e.waitTaskRun(t, ns, "f-report"), true, nil)
	if done := e.waitDone(t, ns, fail.Name); !strings.Contains(condition(done), "Failed") {
		t.Errorf("parent of a failed child: %s", condition(done))
	}
	cancel := e.createRun(t, ns, `
metadata: {name: c}
spec:
  pipelineSpec:
    tasks:
    - name: child
      pipelineSpec:
        tasks:
        - name: t`+nestedTask)
	e.waitTaskRun(t, ns, "c-child-t")
	patch := []byte(`{"spec":{"status":"Cancelled"}}`)
	if err := e.c.Patch(context.Background(), cancel, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
	if done := e.waitDone(t, ns, "c-child"); done.Spec.Status != v1.PipelineRunSpecStatusCancelled || !strings.Contains(condition(done), "Cancelled") {
		t.Errorf("child of a cancelled parent: spec.status %q, %s", done.Spec.Status, condition(done))
	}
	if done := e.waitDone(t, ns, "c"); !strings.Contains(condition(done), "Cancelled") {
		t.Errorf("cancelled parent: %s", condition(done))
	}
	e.createRun(t, ns, `
metadata: {name: m}
spec:
  pipelineSpec:
    tasks:
    - name: child
      matrix: {params: [{name: word, value: [a, b]}]}
      pipelineSpec:
        params: [{name: word}]
        tasks:
        - name: t
          params: [{name: x, value: $(params.word)}]`+nestedTask)
	for i, word := range []string{"a", "b"} {
		child := e.waitChild(t, ns, fmt.Sprintf("m-child-%d", i))
		if len(child.Spec.Params) != 1 || child.Spec.Params[0].Value.StringVal != word {
			t.Errorf("matrix child %d params %+v, want word=%s", i, child.Spec.Params, word)
		}
		e.finish(t, e.waitTaskRun(t, ns, child.Name+"-t"), true, nil)
	}
	if done := e.waitDone(t, ns, "m"); !strings.Contains(condition(done), "True/Succeeded") {
		t.Errorf("a matrix of pipelines: %s", condition(done))
	}
	loop := &v1.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "loop"}, Spec: v1.PipelineSpec{
		Tasks: []v1.PipelineTask{{Name: "again", PipelineRef: &v1.PipelineRef{Name: "loop"}},
			{Name: "side", TaskSpec: &v1.EmbeddedTask{TaskSpec: v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "busybox", Script: "true"}}}}}}}}
	if err := e.c.Create(context.Background(), loop); err != nil {
		t.Fatal(err)
	}
	e.createRun(t, ns, `
metadata: {name: l, labels: {tekton.dev/pipeline: loop}}
spec: {pipelineRef: {name: loop}}`)
	done := e.waitDone(t, ns, "l")
	if c := condition(done); !strings.Contains(c, "CreateRunFailed") || !strings.Contains(c, `pipeline "loop" is already running`) {
		t.Errorf("a Pipeline that runs itself: %s", c)
	}
	// The task made in the same pass does not run on under the failed run.
	side := e.waitTaskRun(t, ns, "l-side")
	waitFor(t, "l-side to be cancelled", 30*time.Second, func() (bool, error) {
		tr, err := e.taskRun(ns, side.Name)
		return tr.Spec.Status == v1.TaskRunSpecStatusCancelled, err
	})
	if refs := done.Status.ChildReferences; len(refs) == 0 {
		t.Errorf("the failed run records no children")
	}
}
