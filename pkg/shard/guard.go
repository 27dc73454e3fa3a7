package shard

import (
	"context"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Guard returns r limited to the requests of the namespaces e owns (those
// of other shards are dropped: their holder has them). A nil e (sharding
// off) returns r.
func Guard(e *Elector, r reconcile.Reconciler) reconcile.Reconciler {
	if e == nil {
		return r
	}
	return reconcile.Func(func(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
		i, owned := e.enter(req.Namespace)
		if !owned {
			return ctrl.Result{}, nil
		}
		// Counted while it runs: a shard is handed back only once none is.
		defer e.exit(i)
		return r.Reconcile(ctx, req)
	})
}

// Resync returns a source that, each time e takes a shard, enqueues every
// object list returns (from the cache) in that shard's namespaces: what
// the shard's last holder left, and what this replica dropped while it
// did not hold the shard.
func Resync(e *Elector, list func(ctx context.Context) ([]client.Object, error)) source.Source {
	ch := make(chan event.GenericEvent)
	e.OnGain(func(shard int) {
		objs, err := list(context.Background())
		if err != nil {
			ctrl.Log.WithName("shard").Error(err, "listing the runs of a shard taken", "shard", shard)
			return
		}
		for _, o := range objs {
			if Of(o.GetNamespace(), e.o.Shards) == shard {
				ch <- event.GenericEvent{Object: o}
			}
		}
	})
	return source.Channel(ch, &handler.EnqueueRequestForObject{})
}

// Apply makes the controller b builds sharded by e, with opts as its
// options: it runs on every replica (not only the leader) and enqueues a
// shard's objects (newList's kind, read from c) when e takes the shard.
// Complete it with Guard(e, r). A nil e (sharding off) changes nothing.
func Apply(e *Elector, b *builder.Builder, opts controller.Options, c client.Reader, newList func() client.ObjectList) *builder.Builder {
	if e == nil {
		return b.WithOptions(opts)
	}
	no := false
	opts.NeedLeaderElection = &no
	list := func(ctx context.Context) ([]client.Object, error) {
		l := newList()
		if err := c.List(ctx, l); err != nil {
			return nil, err
		}
		items, err := apimeta.ExtractList(l)
		if err != nil {
			return nil, err
		}
		out := make([]client.Object, 0, len(items))
		for _, o := range items {
			if co, ok := o.(client.Object); ok {
				out = append(out, co)
			}
		}
		return out, nil
	}
	return b.WithOptions(opts).WatchesRawSource(Resync(e, list))
}
