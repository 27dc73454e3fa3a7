package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// kept is the LogArchive of one attempt of a deleted run's TaskRun; the
// TaskRun's UID is "<tr>-uid", the PipelineRun's "<pr>-uid".
func kept(pr, task, tr, pod string, attempt int, start float64, expires time.Duration, steps ...string) *slipwayv1alpha1.LogArchive {
	a := &slipwayv1alpha1.LogArchive{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: "dev",
		CreationTimestamp: *at(start + 60),
		Labels:            map[string]string{resources.LabelPipelineRun: pr, resources.LabelTaskRun: tr},
		Annotations:       map[string]string{slipwayv1alpha1.AnnotationExpires: t0.Add(expires).Format(time.RFC3339)}},
		Spec: slipwayv1alpha1.LogArchiveSpec{TaskRun: tr, TaskRunUID: types.UID(tr + "-uid"), PipelineRun: pr, PipelineRunUID: types.UID(pr + "-uid"), PipelineTask: task,
			Attempt: attempt, Repository: "reg/logs/dev/" + tr, Tag: pod, Key: "key-of-" + tr, StartTime: at(start)}}
	for _, s := range steps {
		a.Spec.Steps = append(a.Spec.Steps, slipwayv1alpha1.LogArchiveStep{Name: s, Container: "step-" + s})
	}
	return a
}

func TestLogsOfADeletedRun(t *testing.T) {
	// An earlier run of the same name, whose logs are still kept.
	earlier := kept("ship-x0", "clone", "ship-x0-clone", "ship-x0-clone-pod-retry1", 1, -500, 24*time.Hour, "fetch")
	earlier.Spec.PipelineRunUID, earlier.Spec.TaskRunUID = "an-earlier-run", "an-earlier-taskrun"
	objs := []client.Object{
		// Listed out of order: the CLI orders by the TaskRun's start, then
		// by attempt (retry2 after retry1 and before retry10, whose names
		// sort the other way).
		kept("ship-x0", "build", "ship-x0-build", "ship-x0-build-pod-retry10", 10, 10, 72*time.Hour, "compile"),
		kept("ship-x0", "clone", "ship-x0-clone", "ship-x0-clone-pod", 0, 1, 48*time.Hour, "fetch", "checkout"),
		kept("ship-x0", "build", "ship-x0-build", "ship-x0-build-pod-retry2", 2, 10, 72*time.Hour, "compile"),
		kept("ship-x0", "build", "ship-x0-build", "ship-x0-build-pod", 0, 10, 72*time.Hour, "compile"),
		kept("other", "clone", "other-clone", "other-clone-pod", 0, 0, time.Hour, "fetch"),
		earlier,
	}
	logsOf := map[string]string{
		"ship-x0-clone-pod/fetch":                      "Cloning into '/workspace'...\ndone.\n",
		"ship-x0-clone-pod/checkout":                   "HEAD is now at abc123\n",
		"ship-x0-build-pod/compile (attempt 1)":        "network unreachable\n",
		"ship-x0-build-pod-retry2/compile (attempt 2)": "disk full\n",
		"ship-x0-build-pod-retry10/compile":            "main.go:3: undefined: x\n",
		"ship-x0-clone-pod-retry1/fetch":               "from an earlier run\n",
	}
	cases := []struct {
		name, run string
		exit      int
		want      string
	}{
		{"a deleted PipelineRun", "ship-x0", ExitOK, `[clone:fetch] Cloning into '/workspace'...
[clone:fetch] done.
[clone:checkout] HEAD is now at abc123
[build:compile (attempt 1)] network unreachable
[build:compile (attempt 2)] disk full
[build:compile] main.go:3: undefined: x
PipelineRun ship-x0 was deleted; its logs are kept until 2026-12-04T17:00:00Z
`},
		{"a deleted TaskRun", "tr/ship-x0-clone", ExitOK, `[clone:fetch] Cloning into '/workspace'...
[clone:fetch] done.
[clone:checkout] HEAD is now at abc123
TaskRun ship-x0-clone was deleted; its logs are kept until 2026-12-04T17:00:00Z
`},
		{"nothing kept", "pr/ship-x9", ExitError, ""},
		{"a name no label holds", "pr/" + strings.Repeat("x", 70), ExitError, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out := testEnv(t, objs...)
			e.openLog = func(_ context.Context, tr *v1.TaskRun, s v1.StepState) (io.ReadCloser, error) {
				la := resources.LogArchiveOf(tr.Status.Annotations)
				if la == nil || la.Key != "key-of-"+tr.Name || la.Repository != "reg/logs/dev/"+tr.Name {
					t.Errorf("step %s of %s: archive %+v", s.Name, tr.Name, la)
				}
				return io.NopCloser(strings.NewReader(logsOf[tr.Status.PodName+"/"+s.Name])), nil
			}
			root := e.root()
			root.SetArgs([]string{"logs", tc.run})
			err := root.Execute()
			if code := exitCode(err); code != tc.exit {
				t.Errorf("exit code %d (%v), want %d", code, err, tc.exit)
			}
			if want := fmt.Sprintf("no PipelineRun or TaskRun %q in namespace \"dev\"", tc.run); tc.exit == ExitError && (err == nil || err.Error() != want) {
				t.Errorf("error = %v, want %s", err, want)
			}
			if out.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out, tc.want)
			}
		})
	}
}

// TestLogsOfAMissingRunWithoutLogArchives: where LogArchives cannot be
// listed (no such kind, as on Tekton; no right to), a missing run is only
// missing.
func TestLogsOfAMissingRunWithoutLogArchives(t *testing.T) {
	for name, listErr := range map[string]error{
		"no LogArchive kind": &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "slipway.dev", Kind: "LogArchive"}},
		"forbidden":          apierrors.NewForbidden(schema.GroupResource{Group: "slipway.dev", Resource: "logarchives"}, "", errors.New("no")),
	} {
		t.Run(name, func(t *testing.T) {
			e, out := testEnv(t)
			c, kube, _ := e.clients()
			e.c = interceptor.NewClient(c.(client.WithWatch), interceptor.Funcs{
				List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
					if _, ok := list.(*slipwayv1alpha1.LogArchiveList); ok {
						return listErr
					}
					return c.List(ctx, list, opts...)
				}})
			e.kube = kube
			root := e.root()
			root.SetArgs([]string{"logs", "gone"})
			err := root.Execute()
			if want := `no PipelineRun or TaskRun "gone" in namespace "dev"`; err == nil || err.Error() != want {
				t.Errorf("error = %v, want %s", err, want)
			}
			if out.Len() > 0 {
				t.Errorf("output: %s", out)
			}
		})
	}
}
