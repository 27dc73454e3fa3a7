package resolution

import (
	"context"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StepAction returns a copy of the spec of the namespaced StepAction that
// ref names (stored as v1beta1; v1alpha1 ones are converted by the API
// server).
func StepAction(ctx context.Context, c client.Reader, namespace string, ref *v1.Ref) (*v1beta1.StepActionSpec, error) {
	if ref.Name == "" {
		return nil, &Error{Kind: "StepAction", Namespace: namespace, Err: fmt.Errorf("a step's ref has no name: %w", ErrUnsupported)}
	}
	var sa v1beta1.StepAction
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, &sa)
	switch {
	case apierrors.IsNotFound(err):
		return nil, &Error{Kind: "StepAction", Name: ref.Name, Namespace: namespace, Err: ErrNotFound}
	case err != nil:
		return nil, fmt.Errorf("getting StepAction %s/%s: %w", namespace, ref.Name, err)
	}
	if err := decoded(&sa); err != nil {
		return nil, &Error{Kind: "StepAction", Name: ref.Name, Namespace: namespace, Err: err}
	}
	return sa.Spec.DeepCopy(), nil
}
