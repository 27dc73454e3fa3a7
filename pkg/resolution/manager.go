package resolution

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Owner is the run a resolution is done for: it is notified (enqueued)
// when the resolution it waits for ends.
type Owner struct {
	// Kind is "TaskRun" or "PipelineRun".
	Kind string
	types.NamespacedName
}

// Local is implemented by resolvers that answer from memory (the cluster
// resolver reads the informer cache): the Manager calls them inline
// instead of in the background, and never caches their answers.
type Local interface {
	Local() bool
}

// Manager runs remote resolutions off the work queue. A run asks for a
// ref; the first ask starts a background fetch and answers "pending"; when
// the fetch ends every run that asked is notified, and asks again to get
// the answer. Answers are kept for a short while (keepDone) so that those
// runs find them; fetched content is cached by (namespace, resolver,
// params, pin) so later runs of the same ref do not fetch again.
type Manager struct {
	resolvers map[string]Resolver
	// onDone holds, by Owner.Kind, what enqueues a run (Source).
	onDone  map[string]func(types.NamespacedName)
	clock   clock.Clock
	cache   *contentCache
	metrics *Metrics

	mu sync.Mutex
	// flights are the latest resolution of each request; asked holds
	// the one each run asked for, so that it gets that answer even when
	// a later run started a newer resolution of the same request.
	flights map[string]*flight
	asked   map[askKey]*flight
	swept   time.Time
}

// flight is one resolution in progress or recently ended.
type flight struct {
	done    bool
	ended   time.Time
	res     *Resolved
	err     error
	waiters map[Owner]bool
}

type askKey struct {
	owner Owner
	key   string
}

// keepDone is how long an ended resolution's answer waits for the runs
// that asked for it.
const keepDone = 30 * time.Second

// ManagerOption configures NewManager.
type ManagerOption func(*Manager)

// WithClock replaces the real clock (tests).
func WithClock(c clock.Clock) ManagerOption { return func(m *Manager) { m.clock = c } }

// WithCacheSize bounds the content cache (entries; default 512).
func WithCacheSize(n int) ManagerOption { return func(m *Manager) { m.cache = newContentCache(n) } }

// WithMetrics records cache hits and fetches.
func WithMetrics(mt *Metrics) ManagerOption { return func(m *Manager) { m.metrics = mt } }

// NewManager returns a Manager for the given resolvers.
func NewManager(resolvers []Resolver, opts ...ManagerOption) *Manager {
	m := &Manager{resolvers: map[string]Resolver{}, onDone: map[string]func(types.NamespacedName){}, clock: clock.RealClock{},
		cache: newContentCache(512), flights: map[string]*flight{}, asked: map[askKey]*flight{}}
	for _, r := range resolvers {
		m.resolvers[r.Name()] = r
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Resolve returns what req names. pending is true when the answer is not
// known yet: owner is notified when it is. A failure is a *RemoteError
// (the run fails); timeout bounds the background fetch.
func (m *Manager) Resolve(ctx context.Context, owner Owner, req Request, timeout time.Duration) (res *Resolved, pending bool, err error) {
	r, ok := m.resolvers[req.Resolver]
	if !ok {
		return nil, false, m.wrap(req, fmt.Errorf("%w: no resolver %q (Slipway has %s)", ErrInvalidParams, req.Resolver, m.names()))
	}
	if l, ok := r.(Local); ok && l.Local() {
		res, err := r.Fetch(ctx, req, "")
		return res, false, m.wrap(req, err)
	}
	key := requestKey(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	f := m.asked[askKey{owner, key}]
	if f == nil {
		f = m.flights[key]
		switch {
		case f == nil || f.done:
			// A run that asks after an answer came resolves again (a
			// branch may have moved): a Pin and, when nothing moved, no
			// fetch.
			f = &flight{waiters: map[Owner]bool{}}
			m.flights[key] = f
			go m.fly(f, r, req, timeout)
		default:
			m.metrics.hit(req.Resolver) // shares a fetch in flight
		}
		m.asked[askKey{owner, key}] = f
	}
	if f.done {
		return f.res, false, f.err
	}
	f.waiters[owner] = true
	return nil, true, nil
}

// fly resolves req in the background and notifies the waiters.
func (m *Manager) fly(f *flight, r Resolver, req Request, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := m.fetch(ctx, r, req)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%w after %s (default-maximum-resolution-timeout): %v", ErrTimeout, timeout, err)
	}
	m.mu.Lock()
	f.done, f.ended, f.res, f.err = true, m.clock.Now(), res, m.wrap(req, err)
	waiters := f.waiters
	f.waiters = nil
	onDone := m.onDone
	m.mu.Unlock()
	for o := range waiters {
		if f := onDone[o.Kind]; f != nil {
			f(o.NamespacedName)
		}
	}
}

// fetch pins req, answers from the content cache when it can, and fetches
// otherwise.
func (m *Manager) fetch(ctx context.Context, r Resolver, req Request) (*Resolved, error) {
	pin, cacheable, err := r.Pin(ctx, req)
	if err != nil {
		m.metrics.fetched(req.Resolver, err)
		return nil, err
	}
	ck := requestKey(req) + "\x00" + pin
	if cacheable {
		if res, ok := m.cache.get(ck); ok {
			m.metrics.hit(req.Resolver)
			return res, nil
		}
	}
	start := m.clock.Now()
	res, err := r.Fetch(ctx, req, pin)
	m.metrics.fetched(req.Resolver, err)
	m.metrics.observe(req.Resolver, m.clock.Since(start))
	if err == nil && res == nil {
		err = errors.New("the resolver returned nothing")
	}
	if err == nil && cacheable {
		m.cache.put(ck, res)
	}
	return res, err
}

// sweep forgets ended resolutions older than keepDone (called with mu held).
func (m *Manager) sweep() {
	now := m.clock.Now()
	if now.Sub(m.swept) < keepDone/2 {
		return
	}
	m.swept = now
	for k, f := range m.flights {
		if f.done && now.Sub(f.ended) > keepDone {
			delete(m.flights, k)
		}
	}
	for k, f := range m.asked {
		if f.done && now.Sub(f.ended) > keepDone {
			delete(m.asked, k)
		}
	}
}

func (m *Manager) wrap(req Request, err error) error {
	if err == nil {
		return nil
	}
	return &RemoteError{Resolver: req.Resolver, Kind: req.Kind, Err: err}
}

func (m *Manager) names() string {
	var out []string
	for n := range m.resolvers {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// requestKey identifies a request: its namespace is part of it, so that
// content fetched with one namespace's credentials is never served to
// another namespace (D15).
func requestKey(req Request) string {
	keys := make([]string, 0, len(req.Params))
	for k := range req.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s", req.Namespace, req.Resolver, req.Kind)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, req.Params[k])
	}
	return b.String()
}
