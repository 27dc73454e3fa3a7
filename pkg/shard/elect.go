package shard

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// step moves shard i one step: renew it when held, hand it back to the
// replica that should hold it (want is false) once held a while, take it
// when it is vacant and this replica should hold it, or when it has stayed
// vacant for a lease duration whoever should. Every write is conditional on
// the Lease's resourceVersion, so at most one replica takes it.
func (e *Elector) step(ctx context.Context, i int, want bool) {
	lock := e.locks[i]
	rec, _, err := lock.Get(ctx)
	now := e.now()
	switch {
	case apierrors.IsNotFound(err):
		if want {
			e.result(i, now, lock.Create(ctx, e.record(now, now)))
		}
	case err != nil:
		e.result(i, now, err) // a held shard lapses at its renew deadline
	case rec.HolderIdentity == e.o.Identity && (e.isDraining(i) || !want && e.heldFor(i, now) >= 2*e.o.LeaseDuration):
		e.handBack(ctx, i, rec, now)
	case rec.HolderIdentity == e.o.Identity:
		renewed := *rec
		renewed.RenewTime = metav1.NewTime(now)
		e.result(i, now, lock.Update(ctx, renewed))
	case rec.HolderIdentity != "" && now.Before(rec.RenewTime.Add(time.Duration(rec.LeaseDurationSeconds)*time.Second)):
		e.lose(i) // held by another, alive
		e.mu.Lock()
		delete(e.vacantSince, i)
		e.mu.Unlock()
	case want || e.vacantFor(i, now) >= e.o.LeaseDuration:
		e.result(i, now, lock.Update(ctx, e.record(now, now)))
	}
}

// record is a shard Lease held by this replica.
func (e *Elector) record(acquired, renewed time.Time) resourcelock.LeaderElectionRecord {
	return resourcelock.LeaderElectionRecord{HolderIdentity: e.o.Identity,
		LeaseDurationSeconds: int(e.o.LeaseDuration / time.Second), AcquireTime: metav1.NewTime(acquired),
		RenewTime: metav1.NewTime(renewed)}
}

// handBack releases shard i, which this replica holds but should not:
// it stops taking the shard's requests at once, keeps the Lease (renewed)
// while reconciles of the shard are still running, and releases it once
// none is, so that the next holder never overlaps with them.
func (e *Elector) handBack(ctx context.Context, i int, rec *resourcelock.LeaderElectionRecord, now time.Time) {
	e.lose(i)
	e.mu.Lock()
	e.draining[i] = true
	busy := e.inflight[i] > 0
	e.mu.Unlock()
	if busy {
		renewed := *rec
		renewed.RenewTime = metav1.NewTime(now)
		_ = e.locks[i].Update(ctx, renewed)
		return
	}
	if e.locks[i].Update(ctx, released(rec)) == nil {
		e.mu.Lock()
		delete(e.draining, i)
		e.mu.Unlock()
	}
}

// released is rec without a holder, vacant at once for the others.
func released(rec *resourcelock.LeaderElectionRecord) resourcelock.LeaderElectionRecord {
	r := *rec
	r.HolderIdentity, r.LeaseDurationSeconds = "", 1
	return r
}

func (e *Elector) isDraining(i int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.draining[i]
}

// result records a write that takes or renews shard i: done, it is held
// from now; failed, a held shard lapses once its renew deadline passes. A
// renew that comes after the renew deadline is a new gain: requests were
// dropped meanwhile, and the shard is resynced.
func (e *Elector) result(i int, now time.Time, err error) {
	e.mu.Lock()
	if err != nil {
		_, held := e.renewed[i]
		lapsed := held && !e.freshLocked(i, now)
		e.mu.Unlock()
		if lapsed {
			e.lose(i)
		}
		return
	}
	had := e.freshLocked(i, now)
	e.renewed[i] = now
	delete(e.vacantSince, i)
	if !had {
		e.since[i] = now
	}
	gain := e.onGain
	e.mu.Unlock()
	if !had {
		for _, f := range gain {
			go f(i)
		}
	}
}

// lose stops this replica reconciling shard i.
func (e *Elector) lose(i int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.renewed, i)
	delete(e.since, i)
}

func (e *Elector) heldFor(i int, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return now.Sub(e.since[i])
}

// vacantFor is how long shard i, not held here, has been seen vacant.
func (e *Elector) vacantFor(i int, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.vacantSince[i]
	if !ok {
		e.vacantSince[i] = now
		return 0
	}
	return now.Sub(t)
}

// leave hands back every shard held and deletes the membership Lease, so
// that the others take over at their next pass: it stops taking requests,
// waits (until ctx ends) for the reconciles under way, then releases.
func (e *Elector) leave(ctx context.Context) {
	held := e.Held()
	e.mu.Lock()
	for i := range e.draining {
		held = append(held, i)
	}
	e.mu.Unlock()
	for _, i := range held {
		e.lose(i)
	}
	for e.busy() && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	for _, i := range held {
		if rec, _, err := e.locks[i].Get(ctx); err == nil && rec.HolderIdentity == e.o.Identity {
			_ = e.locks[i].Update(ctx, released(rec))
		}
	}
	_ = e.o.Leases.Leases(e.o.Namespace).Delete(ctx, e.memberName(), metav1.DeleteOptions{})
}

// enter counts a reconcile of namespace's shard in, if this replica owns
// it; the caller calls exit(shard) when the reconcile ends.
func (e *Elector) enter(namespace string) (int, bool) {
	i := Of(namespace, e.o.Shards)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.freshLocked(i, e.now()) {
		return i, false
	}
	e.inflight[i]++
	return i, true
}

func (e *Elector) exit(i int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inflight[i]--
}

// busy reports whether any reconcile is under way.
func (e *Elector) busy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.inflight {
		if n > 0 {
			return true
		}
	}
	return false
}
