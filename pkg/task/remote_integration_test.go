package task

import (
	"context"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// slowTaskResolver is resolver "slowtask": it answers once release is
// closed.
type slowTaskResolver struct{ release chan struct{} }

var slowTasks = &slowTaskResolver{release: make(chan struct{})}

func (*slowTaskResolver) Name() string { return "slowtask" }

func (*slowTaskResolver) Pin(context.Context, resolution.Request) (string, bool, error) {
	return "", false, nil
}

func (s *slowTaskResolver) Fetch(ctx context.Context, req resolution.Request, _ string) (*resolution.Resolved, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	doc := "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata: {name: remote}\nspec:\n  steps: [{name: s, image: alpine, script: 'true'}]\n"
	return &resolution.Resolved{Data: []byte(doc), RefSource: &v1.RefSource{URI: "slow://" + req.Params["name"]}}, nil
}

// TestRemoteTaskRef: a TaskRun whose taskRef is resolving says
// ResolvingTaskRef and has no pod; cancelled meanwhile, it fails as
// cancelled; once resolved, the other gets its pod, its spec and its
// provenance.
func TestRemoteTaskRef(t *testing.T) {
	ns := newNamespace(t)
	for _, name := range []string{"waits", "cancelled"} {
		apply(t, ns, &v1.TaskRun{}, `
metadata: {name: `+name+`}
spec:
  taskRef: {resolver: slowtask, params: [{name: name, value: `+name+`}]}`)
	}
	waitForReason(t, ns, "waits", v1.TaskRunReasonResolvingTaskRef)
	tr := waitForReason(t, ns, "cancelled", v1.TaskRunReasonResolvingTaskRef)
	tr.Spec.Status = v1.TaskRunSpecStatusCancelled
	if err := itest.client.Update(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	waitForReason(t, ns, "cancelled", v1.TaskRunReasonCancelled.String())
	if pods := podsOf(t, ns, "waits"); len(pods) != 0 {
		t.Fatalf("%d pods while resolving", len(pods))
	}
	close(slowTasks.release)
	eventually(t, "the resolved TaskRun's pod", func() (bool, string) {
		tr := getTaskRun(t, ns, "waits")
		ok := tr.Status.PodName != "" && tr.Status.TaskSpec != nil && tr.Status.Provenance != nil &&
			tr.Status.Provenance.RefSource.URI == "slow://waits"
		return ok, tr.Status.PodName
	})
}
