package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/resources"
)

// kept is the LogArchive of one attempt of a deleted run's TaskRun.
func kept(pr, task, tr, pod string, start float64, expires time.Duration, steps ...string) *slipwayv1alpha1.LogArchive {
	a := &slipwayv1alpha1.LogArchive{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: "dev",
		Labels:      map[string]string{resources.LabelPipelineRun: pr, resources.LabelTaskRun: tr},
		Annotations: map[string]string{slipwayv1alpha1.AnnotationExpires: t0.Add(expires).Format(time.RFC3339)}},
		Spec: slipwayv1alpha1.LogArchiveSpec{TaskRun: tr, PipelineRun: pr, PipelineTask: task,
			Repository: "reg/logs/dev/" + tr, Tag: pod, Key: "key-of-" + tr, StartTime: at(start)}}
	for _, s := range steps {
		a.Spec.Steps = append(a.Spec.Steps, slipwayv1alpha1.LogArchiveStep{Name: s, Container: "step-" + s})
	}
	return a
}

func TestLogsOfADeletedRun(t *testing.T) {
	objs := []client.Object{
		// Listed out of order: the CLI orders attempts by start, then name.
		kept("ship-x0", "build", "ship-x0-build", "ship-x0-build-pod-retry1", 20, 72*time.Hour, "compile"),
		kept("ship-x0", "clone", "ship-x0-clone", "ship-x0-clone-pod", 1, 48*time.Hour, "fetch", "checkout"),
		kept("ship-x0", "build", "ship-x0-build", "ship-x0-build-pod", 10, 72*time.Hour, "compile"),
		kept("other", "clone", "other-clone", "other-clone-pod", 0, time.Hour, "fetch"),
	}
	logsOf := map[string]string{
		"ship-x0-clone-pod/fetch":               "Cloning into '/workspace'...\ndone.\n",
		"ship-x0-clone-pod/checkout":            "HEAD is now at abc123\n",
		"ship-x0-build-pod/compile (attempt 1)": "network unreachable\n",
		"ship-x0-build-pod-retry1/compile":      "main.go:3: undefined: x\n",
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
[build:compile] main.go:3: undefined: x
PipelineRun ship-x0 was deleted; its logs are kept until 2026-12-04T17:00:00Z
`},
		{"a deleted TaskRun", "tr/ship-x0-clone", ExitOK, `[clone:fetch] Cloning into '/workspace'...
[clone:fetch] done.
[clone:checkout] HEAD is now at abc123
TaskRun ship-x0-clone was deleted; its logs are kept until 2026-12-04T17:00:00Z
`},
		{"nothing kept", "pr/ship-x9", ExitError, ""},
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
			if tc.exit == ExitError && (err == nil || !strings.Contains(err.Error(), `no PipelineRun or TaskRun "pr/ship-x9"`)) {
				t.Errorf("error = %v, want it to name the run", err)
			}
			if out.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out, tc.want)
			}
		})
	}
}
