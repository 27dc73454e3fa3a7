package prune

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/slipway-ci/slipway/pkg/resources"
)

// Labels that group runs: Tekton sets them.
const (
	labelPipeline    = resources.LabelPipeline
	labelTask        = resources.LabelTask
	labelPipelineRun = resources.LabelPipelineRun
)

// Pruner is the reconciler of both kinds. Its requests are groups, not
// runs: (namespace, Pipeline or Task name), so that a burst of finished
// runs of one Pipeline (or a restart with thousands) prunes that group
// once, not once per run.
type Pruner struct {
	client    client.Client
	recorder  events.EventRecorder
	namespace string
	now       func() time.Time
}

// Setup registers the pruner for PipelineRuns and for TaskRuns that no
// PipelineRun owns.
func Setup(mgr ctrl.Manager, namespace string, recorder events.EventRecorder) error {
	p := &Pruner{client: mgr.GetClient(), recorder: recorder, namespace: namespace, now: time.Now}
	err := ctrl.NewControllerManagedBy(mgr).Named("prune-pipelineruns").
		Watches(&v1.PipelineRun{}, toGroup(labelPipeline), doneRuns()).
		Complete(reconcile.Func(p.pipelineRuns))
	if err == nil {
		err = ctrl.NewControllerManagedBy(mgr).Named("prune-taskruns").
			Watches(&v1.TaskRun{}, toGroup(labelTask), doneRuns()).
			Complete(reconcile.Func(p.taskRuns))
	}
	if err != nil {
		return fmt.Errorf("setting up the pruner: %w", err)
	}
	return nil
}

// toGroup maps a run to its group's request.
func toGroup(label string) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		g := o.GetLabels()[label]
		if g == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: g}}}
	})
}

// standalone reports whether no PipelineRun owns run (the label the
// PipelineRun controller puts on its children): what is pruned on its own.
func standalone(run metav1.Object) bool {
	return run.GetLabels()[labelPipelineRun] == ""
}

// doneRuns passes finished runs that no PipelineRun owns: TaskRuns and
// child PipelineRuns (pipelines in pipelines) go with their PipelineRun.
func doneRuns() builder.WatchesOption {
	return builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
		switch r := o.(type) {
		case *v1.PipelineRun:
			return r.IsDone() && standalone(r)
		case *v1.TaskRun:
			return r.IsDone() && standalone(r)
		}
		return false
	}))
}

func (p *Pruner) pipelineRuns(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	list := &v1.PipelineRunList{}
	err := p.client.List(ctx, list, client.InNamespace(req.Namespace), client.MatchingLabels{labelPipeline: req.Name},
		client.UnsafeDisableDeepCopy)
	if err != nil {
		return ctrl.Result{}, err
	}
	g := group{}
	for i := range list.Items {
		if pr := &list.Items[i]; standalone(pr) {
			g.add(pr, runOf(pr, &pr.Status.Status, pr.Status.CompletionTime))
		}
	}
	return p.prune(ctx, "PipelineRun", req.NamespacedName, g, func(name string) client.Object {
		return &v1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: name}}
	})
}

func (p *Pruner) taskRuns(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	list := &v1.TaskRunList{}
	err := p.client.List(ctx, list, client.InNamespace(req.Namespace), client.MatchingLabels{labelTask: req.Name},
		client.UnsafeDisableDeepCopy)
	if err != nil {
		return ctrl.Result{}, err
	}
	g := group{}
	for i := range list.Items {
		if tr := &list.Items[i]; standalone(tr) {
			g.add(tr, runOf(tr, &tr.Status.Status, tr.Status.CompletionTime))
		}
	}
	return p.prune(ctx, "TaskRun", req.NamespacedName, g, func(name string) client.Object {
		return &v1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: name}}
	})
}

// group is the runs of one Pipeline (or Task) in one namespace, and its
// newest run, whose annotations override the policy.
type group struct {
	runs   []Run
	newest client.Object
}

func (g *group) add(o client.Object, r Run) {
	g.runs = append(g.runs, r)
	if g.newest == nil || o.GetCreationTimestamp().After(g.newest.GetCreationTimestamp().Time) {
		g.newest = o
	}
}
