package task

import (
	"context"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// podEvents enqueues a pod's TaskRun (D10). Progress of a pod that has not
// finished (scheduled, unschedulable, a container started) is queued at
// low priority: under a burst the controller first makes the pods of new
// TaskRuns, and a TaskRun's first status write then carries its pod's
// latest state instead of taking two writes. A finished or deleted pod
// keeps the default priority, so that completion is seen at once.
func podEvents(mgr ctrl.Manager) handler.EventHandler {
	owner := handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &v1.TaskRun{}, handler.OnlyControllerOwner())
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			owner.Create(ctx, e, lowPriority(q, e.Object))
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			owner.Update(ctx, e, lowPriority(q, e.ObjectNew))
		},
		DeleteFunc:  owner.Delete,
		GenericFunc: owner.Generic,
	}
}

// lowPriority returns q, adding at low priority unless obj is a finished
// pod or q is not a priority queue.
func lowPriority(q workqueue.TypedRateLimitingInterface[reconcile.Request], obj client.Object) workqueue.TypedRateLimitingInterface[reconcile.Request] {
	pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request])
	if !ok {
		return q
	}
	if pod, ok := obj.(*corev1.Pod); ok && (podFinished(pod) || stepsSucceeded(pod)) {
		return q
	}
	return lowPriorityQueue{pq}
}

// lowPriorityQueue adds items at handler.LowPriority unless told otherwise.
type lowPriorityQueue struct {
	priorityqueue.PriorityQueue[reconcile.Request]
}

func (q lowPriorityQueue) Add(item reconcile.Request) {
	q.AddWithOpts(priorityqueue.AddOpts{}, item)
}

func (q lowPriorityQueue) AddAfter(item reconcile.Request, after time.Duration) {
	q.AddWithOpts(priorityqueue.AddOpts{After: after}, item)
}

func (q lowPriorityQueue) AddRateLimited(item reconcile.Request) {
	q.AddWithOpts(priorityqueue.AddOpts{RateLimited: true}, item)
}

func (q lowPriorityQueue) AddWithOpts(o priorityqueue.AddOpts, items ...reconcile.Request) {
	if o.Priority == nil {
		o.Priority = ptr.To(handler.LowPriority)
	}
	q.PriorityQueue.AddWithOpts(o, items...)
}
