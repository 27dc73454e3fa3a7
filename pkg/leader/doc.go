// Package leader makes leader election hand over fast. Its Lock is a
// Lease lock (client-go's) whose identity is the pod's name, and whose
// holder counts as gone as soon as the holder's pod is gone: a standby, or
// the replacement of a force-deleted pod, takes the lease at its next retry
// instead of waiting out the dead leader's lease. A container restarted in
// the same pod keeps its identity and takes its lease back at once.
//
// Only the holder's pod is read; nothing else about the cluster is.
package leader
