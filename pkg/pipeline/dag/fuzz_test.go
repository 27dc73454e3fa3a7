package dag_test

import (
	"fmt"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/pipeline/dag"
)

// tasksFrom turns fuzz bytes into pipeline tasks: the first byte is the
// number of tasks (the last quarter finally), then each pair of bytes is an
// edge, by runAfter or by a result reference, to a task that may not exist.
func tasksFrom(b []byte) (tasks, finally []v1.PipelineTask) {
	if len(b) == 0 {
		return nil, nil
	}
	n := int(b[0]%12) + 1
	all := make([]v1.PipelineTask, n)
	for i := range all {
		all[i].Name = fmt.Sprintf("t%d", i)
	}
	for k := 1; k+1 < len(b); k += 2 {
		from, to := int(b[k])%n, fmt.Sprintf("t%d", int(b[k+1])%(n+2)) // t<n>, t<n+1>: unknown
		if b[k]&0x80 != 0 {
			all[from].Params = append(all[from].Params, v1.Param{Name: fmt.Sprintf("p%d", k),
				Value: *v1.NewStructuredValues("$(tasks." + to + ".results.r)")})
		} else {
			all[from].RunAfter = append(all[from].RunAfter, to)
		}
	}
	split := n - n/4
	return all[:split], all[split:]
}

// FuzzBuild: any graph builds or fails with an error; a built graph holds
// every task, depends only on known tasks, and lets every task run once
// all it waits for is done (no cycle slipped through).
func FuzzBuild(f *testing.F) {
	f.Add([]byte{3, 1, 0, 2, 1})
	f.Add([]byte{4, 0, 0})             // a task after itself
	f.Add([]byte{5, 0, 1, 1, 0})       // a cycle
	f.Add([]byte{6, 0x81, 5, 2, 7})    // a result of a finally task, an unknown task
	f.Add([]byte{8, 0x83, 1, 0x84, 2}) // result references
	f.Fuzz(func(t *testing.T, b []byte) {
		tasks, finally := tasksFrom(b)
		g, err := dag.Build(tasks, finally)
		if err != nil {
			return
		}
		if len(g.Tasks()) != len(tasks) || len(g.Finally()) != len(finally) {
			t.Fatalf("graph has %d+%d tasks, want %d+%d", len(g.Tasks()), len(g.Finally()), len(tasks), len(finally))
		}
		done := map[string]bool{}
		for len(done) < len(tasks) {
			next := g.Runnable(done)
			if len(next) == 0 {
				t.Fatalf("stuck with %d of %d tasks done: a cycle was accepted", len(done), len(tasks))
			}
			for _, name := range next {
				if done[name] {
					t.Fatalf("task %s offered twice", name)
				}
				done[name] = true
			}
		}
	})
}
