package serving

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// dynamicClient is a Client over client-go's dynamic client.
type dynamicClient struct {
	dyn dynamic.Interface
}

var _ Client = (*dynamicClient)(nil)

// NewDynamicClient returns a Client that talks to the API server.
func NewDynamicClient(dyn dynamic.Interface) Client { return &dynamicClient{dyn: dyn} }

func (c *dynamicClient) Get(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	u, err := c.dyn.Resource(GVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return u, err
}

func (c *dynamicClient) Create(ctx context.Context, svc *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.dyn.Resource(GVR).Namespace(svc.GetNamespace()).Create(ctx, svc, metav1.CreateOptions{FieldManager: "kservice-deploy"})
}

func (c *dynamicClient) Update(ctx context.Context, svc *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	return c.dyn.Resource(GVR).Namespace(svc.GetNamespace()).Update(ctx, svc, metav1.UpdateOptions{FieldManager: "kservice-deploy"})
}
