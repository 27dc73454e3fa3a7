package archiver

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/logs"
)

// ExpiryControllerName names the controller that deletes expired logs.
const ExpiryControllerName = "logarchive-expiry"

// expirer deletes a LogArchive, and the archive it names, once it has
// expired. It watches LogArchives by their metadata only (the expiry is
// an annotation), so that its cache holds no keys, and reads the whole
// object from the API server only to delete it.
type expirer struct {
	client   client.Client
	reader   client.Reader
	store    logs.Store
	recorder events.EventRecorder
	now      func() time.Time
}

// logArchiveMeta is a LogArchive's metadata alone, what the expiry caches.
func logArchiveMeta() *metav1.PartialObjectMetadata {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(slipwayv1alpha1.SchemeGroupVersion.WithKind("LogArchive"))
	return meta
}

func setupExpiry(mgr ctrl.Manager, store logs.Store, recorder events.EventRecorder) error {
	e := &expirer{client: mgr.GetClient(), reader: mgr.GetAPIReader(), store: store, recorder: recorder, now: time.Now}
	err := ctrl.NewControllerManagedBy(mgr).Named(ExpiryControllerName).
		For(logArchiveMeta(), builder.OnlyMetadata).
		Complete(e)
	if err != nil {
		return fmt.Errorf("setting up the log expiry: %w", err)
	}
	return nil
}

// Reconcile comes back when the LogArchive expires, then deletes the
// archive and the LogArchive, in that order: a crash between the two
// leaves a LogArchive that is deleted at the next pass. The expiry is read
// again from the API server before anything is deleted: the LogArchive may
// have been replaced (a TaskRun recreated under its name) or extended
// since the cache saw it.
func (e *expirer) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	meta := logArchiveMeta()
	if err := e.client.Get(ctx, req.NamespacedName, meta); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if left := slipwayv1alpha1.ExpiresOf(meta).Sub(e.now()); left > 0 {
		return ctrl.Result{RequeueAfter: left}, nil
	}
	a := &slipwayv1alpha1.LogArchive{}
	if err := e.reader.Get(ctx, req.NamespacedName, a); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if left := slipwayv1alpha1.ExpiresOf(a).Sub(e.now()); left > 0 {
		return ctrl.Result{RequeueAfter: left}, nil
	}
	loc := logs.Location{Repository: a.Spec.Repository, Tag: a.Spec.Tag}
	err := e.store.Delete(ctx, loc, string(a.Spec.TaskRunUID))
	if errors.Is(err, logs.ErrDeleteRefused) {
		// The key goes anyway: what stays in the registry cannot be read.
		e.recorder.Eventf(a, nil, corev1.EventTypeWarning, "LogArchiveNotDeleted", "Expire",
			"the registry refuses deletes, so the archive stays (sealed, its key deleted with this LogArchive): %v", err)
	} else if err != nil {
		return ctrl.Result{}, err
	}
	pre := metav1.Preconditions{UID: &a.UID, ResourceVersion: &a.ResourceVersion}
	if err := e.client.Delete(ctx, a, client.Preconditions(pre)); client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, fmt.Errorf("deleting the expired LogArchive %s: %w", req, err)
	}
	ctrl.LoggerFrom(ctx).Info("expired logs deleted", "archive", loc.String(), "taskRun", a.Spec.TaskRun)
	return ctrl.Result{}, nil
}
