package queue

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Manager serialises the decisions of all reconcile workers and remembers
// the runs it let start until they end: the cache shows a start time only
// after the status write, and two workers deciding from it alone could let
// two runs into the last slot. One Manager serves the leader's
// PipelineRun and TaskRun controllers; a new leader starts with none
// remembered and counts what the cache shows started.
type Manager struct {
	mu       sync.Mutex
	admitted map[string]map[string]bool // kind → namespace/name
	wake     map[string]func(types.NamespacedName)
	// waiting are the runs held back, by kind + "/" + key, for metrics.
	waiting map[string]Waiting
	// onStart, when set, learns how long a held-back run waited.
	onStart func(w Waiting, waited time.Duration)
	now     func() time.Time
}

// Waiting is a run held back by a limit.
type Waiting struct {
	Kind, Limit string
	Created     time.Time
}

// NewManager returns an empty Manager.
func NewManager() *Manager {
	return &Manager{admitted: map[string]map[string]bool{}, wake: map[string]func(types.NamespacedName){},
		waiting: map[string]Waiting{}, now: time.Now}
}

// OnStart sets a function told, when a run that was held back starts, how
// long it waited since its creation (metrics). Call it before the
// manager starts.
func (m *Manager) OnStart(f func(w Waiting, waited time.Duration)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onStart = f
}

// Waiting returns the runs held back now.
func (m *Manager) Waiting() []Waiting {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Waiting, 0, len(m.waiting))
	for _, w := range m.waiting {
		out = append(out, w)
	}
	return out
}

// note records the verdict for the metrics.
func (m *Manager) note(r *Run, v Verdict) {
	k := r.Kind + "/" + r.Key()
	w, was := m.waiting[k]
	switch {
	case !v.Start && !v.Reject:
		m.waiting[k] = Waiting{Kind: r.Kind, Limit: v.Limit, Created: r.Created}
	case was:
		delete(m.waiting, k)
		if v.Start && m.onStart != nil {
			m.onStart(w, m.now().Sub(r.Created))
		}
	}
}

// RecheckInterval is how often a waiting run looks at its queue again
// without being woken.
const RecheckInterval = 10 * time.Second

// Lister returns the runs of one kind, as the cache holds them.
type Lister func() ([]*Run, error)

// Admit decides for r (see Decide) and, when it may start, remembers it
// until Done.
func (m *Manager) Admit(r *Run, limits []Limit, list Lister) (Verdict, error) {
	if !applies(r, limits) {
		return Verdict{Start: true}, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	peers, err := list()
	if err != nil {
		return Verdict{}, err
	}
	v := Decide(r, limits, peers, m.admittedOf(r.Kind))
	if v.Start {
		m.admittedOf(r.Kind)[r.Key()] = true
	}
	m.note(r, v)
	return v, nil
}

// Done forgets a run that ended or was deleted (r nil: only its key is
// known) and, if this Manager let it start, wakes the runs waiting behind
// it. (Runs started before this Manager, by an earlier leader, wake
// nobody: waiting runs look again every RecheckInterval, and a done run
// costs nothing here however many there are.)
func (m *Manager) Done(kind string, key types.NamespacedName, r *Run, limits []Limit, list Lister) error {
	m.mu.Lock()
	was := m.admittedOf(kind)[key.String()]
	delete(m.admittedOf(kind), key.String())
	delete(m.waiting, kind+"/"+key.String())
	var heads []*Run
	if len(limits) > 0 && was {
		peers, err := list()
		if err != nil {
			m.mu.Unlock()
			return err
		}
		heads = m.headsOf(kind, r, limits, peers)
	}
	wake := m.wake[kind]
	m.mu.Unlock()
	if wake != nil {
		for _, h := range heads {
			wake(types.NamespacedName{Namespace: h.Namespace, Name: h.Name})
		}
	}
	return nil
}

// Tracks reports whether this Manager let the run start or holds it
// back, and has not been told it is done: only then does Done matter.
func (m *Manager) Tracks(kind string, key types.NamespacedName) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := kind + "/" + key.String()
	_, waiting := m.waiting[k]
	return m.admittedOf(kind)[key.String()] || waiting
}

// headsOf is the waiting runs to look at again: behind r, or behind every
// running run of the kind when only r's key is known (it was deleted).
func (m *Manager) headsOf(kind string, r *Run, limits []Limit, peers []*Run) []*Run {
	admitted := m.admittedOf(kind)
	if r != nil {
		return Heads(r, limits, peers, admitted)
	}
	seen := map[string]bool{}
	var out []*Run
	for _, p := range peers {
		if p.Done || !(p.Started || admitted[p.Key()]) {
			continue
		}
		for _, h := range Heads(p, limits, peers, admitted) {
			if !seen[h.Key()] {
				seen[h.Key()] = true
				out = append(out, h)
			}
		}
	}
	return out
}

func (m *Manager) admittedOf(kind string) map[string]bool {
	a, ok := m.admitted[kind]
	if !ok {
		a = map[string]bool{}
		m.admitted[kind] = a
	}
	return a
}

// applies reports whether any limit counts runs of r's kind.
func applies(r *Run, limits []Limit) bool {
	for i := range limits {
		if limits[i].Kind == r.Kind {
			return true
		}
	}
	return false
}

// SetWaker sets how the waiting runs of kind that Done wakes are
// enqueued (package queue/wake turns it into a controller source). Call
// it before the manager starts.
func (m *Manager) SetWaker(kind string, wake func(types.NamespacedName)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wake[kind] = wake
}
