package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// chainOf is n PipelineRuns, each controlled by the one before, running
// Pipelines p0, p1, ...; the last one is returned with the client.
func chainOf(t *testing.T, n int) (*v1.PipelineRun, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	var prev *v1.PipelineRun
	for i := range n {
		pr := &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: fmt.Sprintf("r%d", i),
			UID: types.UID(fmt.Sprintf("u%d", i)), Labels: map[string]string{resources.LabelPipeline: fmt.Sprintf("p%d", i)}}}
		if prev != nil {
			pr.OwnerReferences = []metav1.OwnerReference{resources.ControllerRef(prev, "PipelineRun")}
		}
		objs = append(objs, pr)
		prev = pr
	}
	return prev, fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}

func TestCheckCycle(t *testing.T) {
	cases := []struct {
		name  string
		depth int
		ref   *v1.PipelineRef
		err   string
	}{
		{"a new Pipeline", 3, &v1.PipelineRef{Name: "other"}, ""},
		{"an embedded spec", 3, nil, ""},
		{"the run's own Pipeline", 3, &v1.PipelineRef{Name: "p2"}, `pipeline "p2" is already running in ancestor chain []`},
		{"an ancestor's Pipeline", 3, &v1.PipelineRef{Name: "p0"}, `pipeline "p0" is already running in ancestor chain [p2 p1]`},
		{"through a resolver, the name is not known", 3, &v1.PipelineRef{Name: "p0", ResolverRef: v1.ResolverRef{Resolver: "git"}}, ""},
		{"too deep, whatever the ref", maxNesting + 1, &v1.PipelineRef{ResolverRef: v1.ResolverRef{Resolver: "git"}}, "nest more than 32 deep"},
	}
	for _, tc := range cases {
		pr, c := chainOf(t, tc.depth)
		err := (&Reconciler{client: c}).checkCycle(context.Background(), pr, tc.ref)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
}
