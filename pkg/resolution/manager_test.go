package resolution

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

// fakeResolver counts its calls; each Fetch waits for release (when set).
type fakeResolver struct {
	name    string
	local   bool
	pin     string
	err     error
	release chan struct{}

	mu             sync.Mutex
	pins, fetches  int
	lastPinFetched string
}

func (f *fakeResolver) Name() string { return f.name }
func (f *fakeResolver) Local() bool  { return f.local }

func (f *fakeResolver) Pin(context.Context, Request) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pins++
	return f.pin, f.pin != "", nil
}

func (f *fakeResolver) Fetch(ctx context.Context, req Request, pin string) (*Resolved, error) {
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	f.lastPinFetched = pin
	if f.err != nil {
		return nil, f.err
	}
	return &Resolved{Data: []byte("kind: Task\nmetadata: {name: " + req.Params["name"] + "}")}, nil
}

func (f *fakeResolver) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pins, f.fetches
}

// waitNotified resolves req for owner and waits for the notification.
func waitNotified(t *testing.T, m *Manager, notified chan types.NamespacedName, owner Owner, req Request, timeout time.Duration) (*Resolved, error) {
	t.Helper()
	res, pending, err := m.Resolve(context.Background(), owner, req, timeout)
	if !pending {
		return res, err
	}
	select {
	case nn := <-notified:
		if nn != owner.NamespacedName {
			t.Fatalf("notified %v, want %v", nn, owner.NamespacedName)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
	res, pending, err = m.Resolve(context.Background(), owner, req, timeout)
	if pending {
		t.Fatal("still pending after the notification")
	}
	return res, err
}

func newTestManager(clk *clocktesting.FakeClock, rs ...Resolver) (*Manager, chan types.NamespacedName) {
	m := NewManager(rs, WithClock(clk))
	notified := make(chan types.NamespacedName, 16)
	m.onDone["TaskRun"] = func(nn types.NamespacedName) { notified <- nn }
	return m, notified
}

func TestManagerCachesByPin(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	git := &fakeResolver{name: "git", pin: "abc"}
	m, notified := newTestManager(clk, git)
	owner := Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "ns", Name: "run"}}
	req := Request{Resolver: "git", Namespace: "ns", Kind: "Task", Params: map[string]string{"name": "build"}}
	for i := range 3 {
		res, err := waitNotified(t, m, notified, owner, req, time.Minute)
		if err != nil || !strings.Contains(string(res.Data), "build") {
			t.Fatalf("round %d: %v, %v", i, res, err)
		}
		clk.Step(2 * keepDone) // forget the answer: the next round pins again
	}
	if pins, fetches := git.counts(); pins != 3 || fetches != 1 {
		t.Errorf("pins, fetches = %d, %d; want 3, 1 (one fetch, then cache hits)", pins, fetches)
	}
	git.pin = "def" // the branch moved
	if _, err := waitNotified(t, m, notified, owner, req, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, fetches := git.counts(); fetches != 2 || git.lastPinFetched != "def" {
		t.Errorf("fetches = %d (pin %q), want a second fetch at the new pin", fetches, git.lastPinFetched)
	}
	other := req
	other.Namespace = "other"
	clk.Step(2 * keepDone)
	if _, err := waitNotified(t, m, notified, Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "other", Name: "run"}}, other, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, fetches := git.counts(); fetches != 3 {
		t.Errorf("fetches = %d, want 3: another namespace never reads this namespace's cache", fetches)
	}
}

func TestManagerOneFetchForManyRuns(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	git := &fakeResolver{name: "git", pin: "abc", release: make(chan struct{})}
	m, notified := newTestManager(clk, git)
	req := Request{Resolver: "git", Namespace: "ns", Kind: "Task", Params: map[string]string{"name": "build"}}
	for _, n := range []string{"a", "b", "c"} {
		if _, pending, _ := m.Resolve(context.Background(), Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "ns", Name: n}}, req, time.Minute); !pending {
			t.Fatalf("run %s: not pending", n)
		}
	}
	close(git.release)
	seen := map[string]bool{}
	for range 3 {
		select {
		case nn := <-notified:
			seen[nn.Name] = true
		case <-time.After(10 * time.Second):
			t.Fatal("missing notification")
		}
	}
	if len(seen) != 3 {
		t.Errorf("notified %v, want a, b, c", seen)
	}
	if _, fetches := git.counts(); fetches != 1 {
		t.Errorf("fetches = %d, want 1", fetches)
	}
}

func TestManagerErrors(t *testing.T) {
	owner := Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "ns", Name: "run"}}
	tests := []struct {
		name     string
		r        *fakeResolver
		resolver string
		timeout  time.Duration
		sentinel error
		want     string
	}{
		{name: "resolver error", r: &fakeResolver{name: "git", err: ErrNotFound}, resolver: "git", timeout: time.Minute,
			sentinel: ErrNotFound, want: `resolving Task with resolver "git": not found`},
		{name: "timeout", r: &fakeResolver{name: "git", release: make(chan struct{})}, resolver: "git", timeout: 50 * time.Millisecond,
			sentinel: ErrTimeout, want: `resolving Task with resolver "git": timed out after 50ms (default-maximum-resolution-timeout): context deadline exceeded`},
		{name: "unknown resolver", r: &fakeResolver{name: "git"}, resolver: "svn", timeout: time.Minute,
			sentinel: ErrInvalidParams, want: `resolving Task with resolver "svn": invalid resolver params: no resolver "svn" (Slipway has git)`},
		{name: "local error", r: &fakeResolver{name: "cluster", local: true, err: ErrRefused}, resolver: "cluster", timeout: time.Minute,
			sentinel: ErrRefused, want: `resolving Task with resolver "cluster": refused`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, notified := newTestManager(clocktesting.NewFakeClock(time.Now()), tc.r)
			req := Request{Resolver: tc.resolver, Namespace: "ns", Kind: "Task"}
			_, err := waitNotified(t, m, notified, owner, req, tc.timeout)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, tc.sentinel) || !IsUserError(err) {
				t.Errorf("errors.Is(%v) = false or not a user error", tc.sentinel)
			}
		})
	}
}

func TestManagerLaterRunPinsAgain(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	git := &fakeResolver{name: "git", pin: "abc"}
	m, notified := newTestManager(clk, git)
	req := Request{Resolver: "git", Namespace: "ns", Kind: "Task", Params: map[string]string{"name": "build"}}
	a := Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "ns", Name: "a"}}
	b := Owner{Kind: "TaskRun", NamespacedName: types.NamespacedName{Namespace: "ns", Name: "b"}}
	if _, err := waitNotified(t, m, notified, a, req, time.Minute); err != nil {
		t.Fatal(err)
	}
	git.mu.Lock()
	git.pin = "def" // the branch moved just after run a resolved
	git.mu.Unlock()
	if _, err := waitNotified(t, m, notified, b, req, time.Minute); err != nil {
		t.Fatal(err)
	}
	if pins, _ := git.counts(); pins != 2 || git.lastPinFetched != "def" {
		t.Errorf("pins = %d, fetched pin %q: a later run must pin again and see the moved branch", pins, git.lastPinFetched)
	}
}
