package resolution

import (
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Source returns a controller source that enqueues the runs of the given
// kind ("TaskRun", "PipelineRun") whose resolution ended; newObj makes an
// empty object of that kind. Call it once per kind, before the manager
// starts.
func (m *Manager) Source(kind string, newObj func() client.Object) source.Source {
	ch := make(chan event.GenericEvent, 256)
	m.mu.Lock()
	// Copy on write: fly reads the map without the lock held.
	onDone := make(map[string]func(types.NamespacedName), len(m.onDone)+1)
	for k, f := range m.onDone {
		onDone[k] = f
	}
	onDone[kind] = func(nn types.NamespacedName) {
		obj := newObj()
		obj.SetNamespace(nn.Namespace)
		obj.SetName(nn.Name)
		ch <- event.GenericEvent{Object: obj}
	}
	m.onDone = onDone
	m.mu.Unlock()
	return source.Channel(ch, &handler.EnqueueRequestForObject{})
}
