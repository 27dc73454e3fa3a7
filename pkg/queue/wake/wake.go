// Package wake turns a queue.Manager's wake-ups into a controller source,
// so that package queue (which pkg/config uses) needs no controller-runtime.
package wake

import (
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/slipway-ci/slipway/pkg/queue"
)

// Source returns a controller source that enqueues the waiting runs of
// kind that m wakes; newObj makes an empty object of the kind. Call it
// once per kind, before the manager starts.
func Source(m *queue.Manager, kind string, newObj func() client.Object) source.Source {
	ch := make(chan event.GenericEvent, 1024)
	m.SetWaker(kind, func(nn types.NamespacedName) {
		obj := newObj()
		obj.SetNamespace(nn.Namespace)
		obj.SetName(nn.Name)
		ch <- event.GenericEvent{Object: obj}
	})
	return source.Channel(ch, &handler.EnqueueRequestForObject{})
}
