package state_test

import (
	"context"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
	"github.com/slipway-ci/slipway/pkg/pipeline/state"
)

// FuzzEvaluate: any pipeline that Tekton's validation accepts, with its
// tasks in any mix of states, evaluates to a plan without panicking, and
// never plans a TaskRun twice.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte(`{"tasks":[{"name":"a","taskRef":{"name":"t"}},{"name":"b","runAfter":["a"],"taskRef":{"name":"t"},"params":[{"name":"x","value":"$(tasks.a.results.r)"}]}],"finally":[{"name":"f","taskRef":{"name":"t"},"params":[{"name":"s","value":"$(tasks.a.status)"}]}]}`), []byte{1, 2, 3})
	f.Add([]byte(`{"params":[{"name":"p","type":"array","default":["1","2"]}],"tasks":[{"name":"m","taskRef":{"name":"t"},"matrix":{"params":[{"name":"x","value":["$(params.p[*])"]}]}},{"name":"w","taskRef":{"name":"t"},"when":[{"input":"$(tasks.m.status)","operator":"in","values":["Succeeded"]}]}]}`), []byte{0, 4})
	f.Add([]byte(`{"tasks":[{"name":"a","onError":"continue","taskRef":{"name":"t"}},{"name":"b","runAfter":["a"],"timeout":"1s","taskRef":{"name":"t"}}],"results":[{"name":"out","value":"$(tasks.a.results.r)"}]}`), []byte{2, 2, 2})
	f.Fuzz(func(t *testing.T, doc, phases []byte) {
		var spec v1.PipelineSpec
		if err := yaml.Unmarshal(doc, &spec); err != nil {
			return
		}
		ctx := context.Background()
		spec.SetDefaults(ctx)
		if spec.Validate(ctx) != nil {
			return
		}
		g, err := dag.Build(spec.Tasks, spec.Finally)
		if err != nil {
			return
		}
		pr := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: prName, Namespace: "ns", UID: "uid-1"}}
		pr.Status.StartTime = &metav1.Time{Time: t0}
		plan := state.Evaluate(state.Input{
			Run: pr, Spec: &spec, PipelineName: "pipe", Graph: g, TaskRuns: children(spec, phases),
			Now: t0.Add(time.Duration(len(phases)) * time.Minute), Config: config.Default(),
		})
		seen := map[string]bool{}
		for _, l := range plan.Create {
			if seen[l.Name] {
				t.Fatalf("plan creates %s twice", l.Name)
			}
			seen[l.Name] = true
		}
	})
}

// children gives the i-th task of the pipeline the state phases[i] names:
// none, running, succeeded with a result, failed, cancelled.
func children(spec v1.PipelineSpec, phases []byte) []*v1.TaskRun {
	var out []*v1.TaskRun
	all := append(append([]v1.PipelineTask{}, spec.Tasks...), spec.Finally...)
	for i, p := range phases {
		if i >= len(all) {
			break
		}
		switch p % 5 {
		case 1:
			out = append(out, tr(all[i].Name, -1, "run"))
		case 2:
			out = append(out, tr(all[i].Name, -1, "ok", "r=v"))
		case 3:
			out = append(out, tr(all[i].Name, -1, "fail"))
		case 4:
			out = append(out, tr(all[i].Name, -1, "cancel"))
		}
	}
	return out
}
