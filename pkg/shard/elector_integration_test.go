package shard

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// kube is the envtest API server's client (nil: integration tests skipped).
var kube kubernetes.Interface

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() || os.Getenv("KUBEBUILDER_ASSETS") == "" {
		os.Exit(m.Run())
	}
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		os.Exit(1)
	}
	kube = kubernetes.NewForConfigOrDie(cfg)
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// replica is one elector, stepped by the test (a crash is a replica the
// test stops stepping).
func replica(t *testing.T, prefix, id string, shards int) *Elector {
	t.Helper()
	e, err := New(Options{Shards: shards, Namespace: "default", Prefix: prefix, Identity: id, Leases: kube.CoordinationV1(),
		NewLock: func(name string) resourcelock.Interface {
			return &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
				Client: kube.CoordinationV1(), LockConfig: resourcelock.ResourceLockConfig{Identity: id}}
		},
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run steps the live replicas every retry period until cond holds (or
// 20 s pass), checking that no shard is ever held by two of them.
func run(t *testing.T, live []*Elector, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("timed out waiting for %s; held: %v", what, heldBy(live))
		}
		for _, e := range live {
			if err := e.pass(context.Background()); err != nil {
				t.Logf("%s: %v", e.o.Identity, err)
			}
		}
		owners := map[int]string{}
		for _, e := range live {
			for _, i := range e.Held() {
				if other, dup := owners[i]; dup {
					t.Fatalf("shard %d held by %s and %s at once", i, other, e.o.Identity)
				}
				owners[i] = e.o.Identity
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(start)
}

func heldBy(es []*Elector) map[string][]int {
	out := map[string][]int{}
	for _, e := range es {
		out[e.o.Identity] = e.Held()
	}
	return out
}

func holds(e *Elector, n int) func() bool { return func() bool { return len(e.Held()) == n } }

// TestShardsSpreadAndFailOver: one replica takes every shard; a second
// gets its share handed over; one that leaves hands its shards back at
// once; one that crashes loses them when their Leases expire.
func TestShardsSpreadAndFailOver(t *testing.T) {
	if kube == nil {
		t.Skip("integration test: needs KUBEBUILDER_ASSETS (hack/envtest-assets.sh) and no -short")
	}
	const shards = 8
	a, b := replica(t, "spread", "a", shards), replica(t, "spread", "b", shards)
	run(t, []*Elector{a}, "a to hold every shard", holds(a, shards))
	wantB := 0
	for i := range shards {
		if Preferred(i, []string{"a", "b"}) == "b" {
			wantB++
		}
	}
	if wantB == 0 || wantB == shards {
		t.Fatalf("test setup: b preferred for %d of %d shards", wantB, shards)
	}
	// A reconcile of one of b's shards is under way on a: a hands that
	// shard over only once it ends (never two reconciling it at once).
	busy := -1
	for i := range shards {
		if Preferred(i, []string{"a", "b"}) == "b" {
			busy = i
			break
		}
	}
	j, ok := a.enter(nsIn(t, busy, shards))
	if !ok {
		t.Fatal("a does not own the shard it holds")
	}
	bHolds := func(i int) bool { return slices.Contains(b.Held(), i) }
	run(t, []*Elector{a, b}, "b to get its shards but the busy one", func() bool { return len(b.Held()) == wantB-1 })
	deadline := time.Now().Add(time.Second)
	run(t, []*Elector{a, b}, "a second more", func() bool { return time.Now().After(deadline) })
	if bHolds(busy) || a.Owns(nsIn(t, busy, shards)) {
		t.Fatalf("the busy shard: b holds it %v, a takes new work on it %v; want neither", bHolds(busy), a.Owns(nsIn(t, busy, shards)))
	}
	a.exit(j)
	run(t, []*Elector{a, b}, "the shards to spread", func() bool { return len(b.Held()) == wantB && len(a.Held()) == shards-wantB })
	if !a.Owns(nsIn(t, a.Held()[0], shards)) || a.Owns(nsIn(t, b.Held()[0], shards)) {
		t.Error("a's Owns does not follow its shards")
	}

	b.leave(context.Background())
	took := run(t, []*Elector{a}, "a to take back what b handed back", holds(a, shards))
	t.Logf("shards handed back by a replica that left: taken in %v", took)
	if took > 2*time.Second {
		t.Errorf("took %v, want about one retry period", took)
	}

	c := replica(t, "spread", "c", shards)
	run(t, []*Elector{a, c}, "c to get its share", func() bool { return len(c.Held()) > 0 && len(a.Held())+len(c.Held()) == shards })
	cHeld := len(c.Held())
	// a crashes: nobody steps it any more, its Leases lapse.
	took = run(t, []*Elector{c}, "c to take a's shards", holds(c, shards))
	t.Logf("%d shards of a crashed replica taken in %v (lease 2 s)", shards-cHeld, took)
	if took > 6*time.Second {
		t.Errorf("took %v, want within the lease duration plus the membership's", took)
	}
	// Fenced: a, cut off but alive, stopped at its renew deadline, before
	// its Leases expired and c took them.
	for i := range shards {
		if a.Owns(nsIn(t, i, shards)) {
			t.Errorf("a still owns shard %d after c took it", i)
		}
	}
}

// nsIn returns a namespace name in shard i.
func nsIn(t *testing.T, i, shards int) string {
	t.Helper()
	for n := range 10000 {
		if ns := fmt.Sprintf("ns-%d", n); Of(ns, shards) == i {
			return ns
		}
	}
	t.Fatalf("no namespace in shard %d", i)
	return ""
}
