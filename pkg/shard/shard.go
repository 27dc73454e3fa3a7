package shard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
)

// LabelMember marks the membership Leases of the replicas.
const LabelMember = "slipway.dev/shard-member"

// Options configure an Elector.
type Options struct {
	// Shards is how many shards the namespaces are split into.
	Shards int
	// Namespace holds the Leases; Prefix starts their names
	// ("<prefix>-shard-<i>", "<prefix>-member-<identity>").
	Namespace, Prefix string
	// Identity is this replica's name (its pod's).
	Identity string
	// Leases writes the membership Leases; NewLock returns the lock of a
	// shard's Lease (pkg/leader's in the controller).
	Leases  coordinationv1client.LeasesGetter
	NewLock func(name string) resourcelock.Interface
	// LeaseDuration, RenewDeadline and RetryPeriod time the shard Leases
	// as leader election's: a holder that cannot renew for RenewDeadline
	// stops reconciling the shard; a shard unrenewed for LeaseDuration is
	// taken by another.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// Elector holds this replica's shards.
type Elector struct {
	o     Options
	locks []resourcelock.Interface
	now   func() time.Time

	mu sync.Mutex
	// renewed holds, per shard held, when its Lease was last renewed;
	// since, when it was taken; vacantSince, when a shard not held was
	// first seen without a live holder.
	renewed, since, vacantSince map[int]time.Time
	// inflight counts the reconciles under way per shard; draining are the
	// shards being handed back, held until none is.
	inflight map[int]int
	draining map[int]bool
	onGain   []func(shard int)
}

// New returns an Elector; add it to the manager (it runs on every replica).
func New(o Options) (*Elector, error) {
	// A Lease says its duration in whole seconds.
	whole := o.LeaseDuration.Truncate(time.Second)
	if o.Shards < 1 || o.Identity == "" || o.Leases == nil || o.NewLock == nil ||
		o.RetryPeriod <= 0 || o.RenewDeadline <= o.RetryPeriod || whole <= o.RenewDeadline {
		return nil, fmt.Errorf("sharding needs shards ≥ 1, an identity, clients and lease (whole seconds) > renew deadline > retry period > 0")
	}
	e := &Elector{o: o, now: time.Now, renewed: map[int]time.Time{}, since: map[int]time.Time{}, vacantSince: map[int]time.Time{},
		inflight: map[int]int{}, draining: map[int]bool{}}
	for i := range o.Shards {
		e.locks = append(e.locks, o.NewLock(o.Prefix+"-shard-"+strconv.Itoa(i)))
	}
	return e, nil
}

// Of is the shard of namespace among shards.
func Of(namespace string, shards int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(namespace))
	return int(h.Sum32() % uint32(shards))
}

// Owns reports whether this replica reconciles the runs of namespace now:
// it holds the namespace's shard and renewed its Lease within the renew
// deadline.
func (e *Elector) Owns(namespace string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.freshLocked(Of(namespace, e.o.Shards), e.now())
}

// freshLocked reports whether shard i is held and was renewed within the
// renew deadline at now; e.mu is held.
func (e *Elector) freshLocked(i int, now time.Time) bool {
	t, ok := e.renewed[i]
	return ok && now.Sub(t) < e.o.RenewDeadline
}

// Held returns the shards this replica holds, in order.
func (e *Elector) Held() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]int, 0, len(e.renewed))
	for i := range e.renewed {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// OnGain adds f, called (in its own goroutine) with each shard this
// replica takes. Call it before Start.
func (e *Elector) OnGain(f func(shard int)) { e.onGain = append(e.onGain, f) }

// NeedLeaderElection implements manager.LeaderElectionRunnable: every
// replica takes part.
func (e *Elector) NeedLeaderElection() bool { return false }

// Start renews membership and shards every RetryPeriod until ctx ends,
// then hands its shards back and leaves.
func (e *Elector) Start(ctx context.Context) error {
	log := ctrl.Log.WithName("shard").WithValues("identity", e.o.Identity)
	t := time.NewTicker(e.o.RetryPeriod)
	defer t.Stop()
	for {
		if err := e.pass(ctx); err != nil && ctx.Err() == nil {
			log.Info("shard pass failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			e.leave(stop)
			return nil
		case <-t.C:
		}
	}
}

// pass renews membership, then each shard.
func (e *Elector) pass(ctx context.Context) error {
	if err := e.renewMembership(ctx); err != nil {
		return err
	}
	live, err := e.members(ctx)
	if err != nil {
		return err
	}
	for i := range e.o.Shards {
		e.step(ctx, i, Preferred(i, live) == e.o.Identity)
	}
	return nil
}

// Preferred is the replica among live that should hold shard: the
// highest of hash(shard, replica) (rendezvous hashing; SHA-256, as FNV
// spreads names this short unevenly).
func Preferred(shard int, live []string) string {
	best, bestHash := "", uint64(0)
	for _, id := range live {
		sum := sha256.Sum256([]byte(strconv.Itoa(shard) + "/" + id))
		if s := binary.BigEndian.Uint64(sum[:8]); best == "" || s > bestHash || (s == bestHash && id < best) {
			best, bestHash = id, s
		}
	}
	return best
}

func (e *Elector) memberName() string { return e.o.Prefix + "-member-" + e.o.Identity }

// renewMembership creates or renews this replica's membership Lease.
func (e *Elector) renewMembership(ctx context.Context) error {
	leases := e.o.Leases.Leases(e.o.Namespace)
	now := metav1.NewMicroTime(e.now())
	l, err := leases.Get(ctx, e.memberName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: e.memberName(), Namespace: e.o.Namespace,
			Labels: map[string]string{LabelMember: "true"}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &e.o.Identity, RenewTime: &now}}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.RenewTime, l.Spec.HolderIdentity = &now, &e.o.Identity
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

// members returns the replicas that renewed their membership within a
// lease duration, in order.
func (e *Elector) members(ctx context.Context) ([]string, error) {
	list, err := e.o.Leases.Leases(e.o.Namespace).List(ctx, metav1.ListOptions{LabelSelector: LabelMember + "=true"})
	if err != nil {
		return nil, err
	}
	var live []string
	for _, l := range list.Items {
		fresh := l.Spec.RenewTime != nil && e.now().Sub(l.Spec.RenewTime.Time) < e.o.LeaseDuration
		if l.Spec.HolderIdentity != nil && fresh {
			live = append(live, *l.Spec.HolderIdentity)
		}
		// A replica that crashed never deletes its own: long gone, anyone does.
		if l.Spec.RenewTime == nil || e.now().Sub(l.Spec.RenewTime.Time) > 100*e.o.LeaseDuration {
			_ = e.o.Leases.Leases(e.o.Namespace).Delete(ctx, l.Name, metav1.DeleteOptions{})
		}
	}
	sort.Strings(live)
	return live, nil
}
