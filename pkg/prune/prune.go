package prune

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/config/cluster"
)

func runOf(o metav1.Object, st *duckv1.Status, completed *metav1.Time) Run {
	c := st.GetCondition(apis.ConditionSucceeded)
	r := Run{Name: o.GetName(), Done: c != nil && c.Status != corev1.ConditionUnknown}
	r.Succeeded = r.Done && c.Status == corev1.ConditionTrue
	if completed != nil {
		r.Completed = completed.Time
	} else if c != nil {
		r.Completed = c.LastTransitionTime.Inner.Time
	}
	return r
}

// prune deletes what Select dooms of g (the runs of kind of Pipeline or
// Task name), with the policy of slipway-config (defaults, then the first
// prune-policies entry that matches) and the annotations of g's newest
// run; it comes back when the next kept run reaches the TTL.
func (p *Pruner) prune(ctx context.Context, kind string, key types.NamespacedName, g group, object func(string) client.Object) (ctrl.Result, error) {
	if g.newest == nil {
		return ctrl.Result{}, nil
	}
	cfg, err := cluster.Load(ctx, p.client, p.namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	base := cfg.PruningFor(kind, key.Namespace, key.Name, g.newest.GetLabels())
	policy, err := base.Over(g.newest.GetAnnotations())
	if err != nil {
		p.recorder.Eventf(g.newest, nil, corev1.EventTypeWarning, "InvalidPruning", "Prune", "%v", err)
		return ctrl.Result{}, nil
	}
	if !policy.Enabled() {
		return ctrl.Result{}, nil
	}
	doomed, next := Select(g.runs, policy, p.now())
	background := metav1.DeletePropagationBackground
	for _, r := range doomed {
		err := p.client.Delete(ctx, object(r.Name), &client.DeleteOptions{PropagationPolicy: &background})
		if err != nil && !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		ctrl.LoggerFrom(ctx).Info("pruned", "run", r.Name, "succeeded", r.Succeeded)
	}
	return ctrl.Result{RequeueAfter: next}, nil
}
