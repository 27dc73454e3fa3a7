package leader

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Lock is a resourcelock.Interface over a Lease in namespace, held by pod
// names.
type Lock struct {
	resourcelock.Interface
	pods      corev1client.PodsGetter
	namespace string
}

var _ resourcelock.Interface = (*Lock)(nil)

// NewLock returns the lock of Lease name in namespace for the pod named
// identity.
func NewLock(leases coordinationv1client.LeasesGetter, pods corev1client.PodsGetter, namespace, name, identity string) *Lock {
	return &Lock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: namespace, Name: name},
			Client:     leases,
			LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
		},
		pods:      pods,
		namespace: namespace,
	}
}

// Get implements resourcelock.Interface: the record of a holder whose pod
// is gone has no holder, so the elector takes the lease now. The update
// that takes it is conditional on the Lease's resourceVersion, as always.
func (l *Lock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := l.Interface.Get(ctx)
	if err != nil || rec.HolderIdentity == "" || rec.HolderIdentity == l.Identity() {
		return rec, raw, err
	}
	if l.gone(ctx, rec.HolderIdentity) {
		vacant := *rec
		vacant.HolderIdentity = ""
		return &vacant, raw, nil
	}
	return rec, raw, nil
}

// gone reports whether the holder's pod no longer runs: deleted, or
// finished. A pod that is terminating still runs, and releases the lease
// itself on shutdown.
func (l *Lock) gone(ctx context.Context, holder string) bool {
	pod, err := l.pods.Pods(l.namespace).Get(ctx, holder, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		return false
	}
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}
