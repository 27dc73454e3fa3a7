// Package shard shares the runs among controller replicas (docs/design.md
// D29): the namespaces are split into a fixed number of shards by a hash of
// their name, each shard is a Lease held by at most one replica, and a
// replica reconciles only the runs of the shards it holds. Which replica
// should hold a shard is decided by rendezvous hashing over the replicas
// alive (each renews a membership Lease), so the shards spread evenly and
// move as little as possible when a replica comes or goes; a shard whose
// holder died is taken when its Lease expires (at once when the holder's
// pod is gone, with pkg/leader's lock), and a replica that gains a shard
// enqueues every run of it.
//
// A namespace is never split: its concurrency limits are counted by one
// replica. What needs the whole cluster (pruning, metrics, the approval
// gate, log expiry) stays with the elected leader.
package shard
