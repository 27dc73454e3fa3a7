package task

import (
	"context"
	"fmt"
	"sort"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/slipway-ci/slipway/pkg/credentials"
	"github.com/slipway-ci/slipway/pkg/failure"
)

// credentials reads the run's ServiceAccount and its secrets and returns
// the credentials the pod's steps write (D8), only when a pod is created.
// The ServiceAccount comes from the cache (trimmed to its secret
// references), or from the API server when the cache has not seen it yet;
// secrets are read from the API server (RBAC grants get, not list/watch).
// Secret data is never logged; only key names leave this function.
//
// A missing ServiceAccount is the user's error, except the configured
// default one (which TaskRuns of PipelineRuns name explicitly): it yields
// no credentials and leaves the verdict to the API server's ServiceAccount
// admission, since a new namespace gets it only moments after creation. A secret the ServiceAccount lists but that
// does not exist is skipped, as its type and annotations are unknown.
func (r *Reconciler) credentials(ctx context.Context, rn *run) ([]credentials.Credential, error) {
	ns, name := rn.defaulted.Namespace, rn.defaulted.Spec.ServiceAccountName
	sa := &corev1.ServiceAccount{}
	err := r.getFresh(ctx, types.NamespacedName{Namespace: ns, Name: name}, sa)
	switch {
	case apierrors.IsNotFound(err) && name == rn.cfg.DefaultServiceAccount:
		return nil, nil
	case apierrors.IsNotFound(err):
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), fmt.Errorf("ServiceAccount %q not found in namespace %q: create it or change spec.serviceAccountName", name, ns))
	case err != nil:
		return nil, fmt.Errorf("getting ServiceAccount %s: %w", name, err)
	}
	if len(sa.Secrets) == 0 {
		return nil, nil
	}
	secrets, err := r.saSecrets(ctx, sa)
	if err != nil {
		return nil, err
	}
	creds, err := credentials.Plan(secrets)
	if err != nil {
		return nil, failure.User(v1.TaskRunReasonPodCreationFailed.String(), fmt.Errorf("credentials of ServiceAccount %q: %w", name, err))
	}
	return creds, nil
}

// saSecrets reads the metadata and key names of the secrets sa lists.
func (r *Reconciler) saSecrets(ctx context.Context, sa *corev1.ServiceAccount) ([]credentials.Secret, error) {
	log := ctrl.LoggerFrom(ctx)
	out := make([]credentials.Secret, 0, len(sa.Secrets))
	seen := make(map[string]bool, len(sa.Secrets))
	for _, ref := range sa.Secrets {
		if ref.Name == "" || seen[ref.Name] {
			continue
		}
		seen[ref.Name] = true
		s := &corev1.Secret{}
		err := r.apiReader.Get(ctx, types.NamespacedName{Namespace: sa.Namespace, Name: ref.Name}, s)
		if apierrors.IsNotFound(err) {
			log.V(1).Info("service account secret not found, skipped", "serviceAccount", sa.Name, "secret", ref.Name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("getting secret %s of ServiceAccount %s: %w", ref.Name, sa.Name, err)
		}
		keys := make([]string, 0, len(s.Data))
		for k := range s.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out = append(out, credentials.Secret{Name: s.Name, Type: string(s.Type), Annotations: s.Annotations, Keys: keys})
	}
	return out, nil
}
