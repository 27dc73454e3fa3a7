package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

// slowResolver answers resolver "slow" once release is closed; param
// "fail" makes it fail instead.
type slowResolver struct{ release chan struct{} }

var slow = &slowResolver{release: make(chan struct{})}

func (*slowResolver) Name() string { return "slow" }

func (*slowResolver) Pin(context.Context, resolution.Request) (string, bool, error) {
	return "", false, nil
}

func (s *slowResolver) Fetch(ctx context.Context, req resolution.Request, _ string) (*resolution.Resolved, error) {
	if req.Params["fail"] != "" {
		return nil, fmt.Errorf("%w: %s", resolution.ErrNotFound, req.Params["fail"])
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	doc := `{"apiVersion": "tekton.dev/v1beta1", "kind": "Pipeline", "metadata": {"name": "slow-ci"},
  "spec": {"tasks": [{"name": "only", "taskSpec": {"steps": [{"name": "s", "image": "alpine", "script": "true"}]}}]}}`
	return &resolution.Resolved{Data: []byte(doc), RefSource: &v1.RefSource{URI: "slow://ci", Digest: map[string]string{"sha256": "abc"}}}, nil
}

// TestRemotePipelineRefIsResolvedOffTheQueue: while a pipelineRef
// resolves, its run says ResolvingPipelineRef and other runs go on; the
// resolution's end brings the run back, which records the provenance and
// creates its TaskRun. A failing resolution fails the run with
// CouldntGetPipeline.
func TestRemotePipelineRefIsResolvedOffTheQueue(t *testing.T) {
	e := startEnv(t)
	ns := e.namespace(t)
	e.createRun(t, ns, `
metadata: {name: waiting}
spec:
  pipelineRef: {resolver: slow, params: [{name: repo, value: ci}]}`)
	e.createRun(t, ns, `
metadata: {name: broken}
spec:
  pipelineRef: {resolver: slow, params: [{name: fail, value: no such file}]}`)
	waitFor(t, "ResolvingPipelineRef", 30*time.Second, func() (bool, error) {
		var pr v1.PipelineRun
		err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "waiting"}, &pr)
		c := pr.Status.GetCondition(apis.ConditionSucceeded)
		return err == nil && c != nil && c.Reason == v1.PipelineRunReasonResolvingPipelineRef.String() && c.Status == corev1.ConditionUnknown, nil
	})
	broken := e.waitDone(t, ns, "broken")
	if c := broken.Status.GetCondition(apis.ConditionSucceeded); c.Reason != "CouldntGetPipeline" ||
		c.Message != fmt.Sprintf(`Error retrieving pipeline for pipelinerun %s/broken: resolving Pipeline with resolver "slow": not found: no such file`, ns) {
		t.Errorf("broken: %s", condition(broken))
	}
	close(slow.release)
	tr := e.waitTaskRun(t, ns, "waiting-only")
	var pr v1.PipelineRun
	waitFor(t, "the PipelineRun's provenance", 30*time.Second, func() (bool, error) {
		err := e.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "waiting"}, &pr)
		p := pr.Status.Provenance
		return err == nil && p != nil && p.RefSource != nil && p.RefSource.URI == "slow://ci", nil
	})
	if tr.Labels["tekton.dev/pipeline"] != "slow-ci" {
		t.Errorf("TaskRun labels = %v, want tekton.dev/pipeline=slow-ci", tr.Labels)
	}
}
