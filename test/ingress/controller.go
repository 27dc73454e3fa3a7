package ingress

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// GVK is the KIngress kind.
var GVK = schema.GroupVersionKind{Group: "networking.internal.knative.dev", Version: "v1alpha1", Kind: "Ingress"}

// ClassAnnotation names the ingress class of a KIngress.
const ClassAnnotation = "networking.knative.dev/ingress.class"

// Reconciler keeps the Proxy's Table in line with the KIngress objects of
// Class and marks each one Ready once its routes are in the Table.
type Reconciler struct {
	Client client.Client
	Proxy  *Proxy
	Class  string
	// LoadBalancer is the in-cluster name of the proxy's Service, written to
	// status as the private and public load balancer.
	LoadBalancer string
	Log          *zap.Logger
}

// SetupWithManager registers the controller.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(GVK)
	ours := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetAnnotations()[ClassAnnotation] == r.Class })
	return ctrl.NewControllerManagedBy(mgr).Named("kingress").
		For(u, builder.WithPredicates(ours)).Complete(r)
}

// Reconcile rebuilds the whole Table (there are few KIngresses in a test
// cluster) and then writes the status of the one that changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(GVK.GroupVersion().WithKind("IngressList"))
	if err := r.Client.List(ctx, list); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing ingresses: %w", err)
	}
	var ours []*unstructured.Unstructured
	var current *unstructured.Unstructured
	for i := range list.Items {
		it := &list.Items[i]
		if it.GetAnnotations()[ClassAnnotation] != r.Class || it.GetDeletionTimestamp() != nil {
			continue
		}
		ours = append(ours, it)
		if it.GetNamespace() == req.Namespace && it.GetName() == req.Name {
			current = it
		}
	}
	table, errs := Build(ours)
	r.Proxy.SetTable(table)
	r.Log.Info("routes programmed", zap.Int("hosts", len(table)), zap.Int("ingresses", len(ours)), zap.Int("invalid", len(errs)))
	if current == nil {
		return ctrl.Result{}, nil
	}
	st := MakeStatus(current, errs[req.String()], r.LoadBalancer, time.Now())
	patch := client.MergeFrom(current.DeepCopy())
	current.Object["status"] = st
	if err := r.Client.Status().Patch(ctx, current, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("writing status of ingress %s: %w", req, err)
	}
	return ctrl.Result{}, nil
}

// MakeStatus is the KIngress status for ing: Ready (with NetworkConfigured
// and LoadBalancerReady) when err is nil, else NetworkConfigured False with
// err's message. Conditions keep their transition time when unchanged.
func MakeStatus(ing *unstructured.Unstructured, err error, lb string, now time.Time) map[string]interface{} {
	status, reason, msg := "True", "", ""
	if err != nil {
		status, reason, msg = "False", "InvalidIngress", err.Error()
	}
	old, _, _ := unstructured.NestedSlice(ing.Object, "status", "conditions")
	conds := []interface{}{}
	for _, typ := range []string{"LoadBalancerReady", "NetworkConfigured", "Ready"} {
		s, rs, m := status, reason, msg
		if typ == "LoadBalancerReady" {
			s, rs, m = "True", "", ""
		}
		c := map[string]interface{}{"type": typ, "status": s, "lastTransitionTime": now.UTC().Format(time.RFC3339)}
		if rs != "" {
			c["reason"], c["message"] = rs, m
		}
		if prev := findCondition(old, typ); prev != nil && prev["status"] == s {
			c["lastTransitionTime"] = prev["lastTransitionTime"]
		}
		conds = append(conds, c)
	}
	lbStatus := map[string]interface{}{"ingress": []interface{}{map[string]interface{}{"domainInternal": lb}}}
	return map[string]interface{}{
		"observedGeneration":  ing.GetGeneration(),
		"conditions":          conds,
		"publicLoadBalancer":  lbStatus,
		"privateLoadBalancer": lbStatus,
	}
}

func findCondition(conds []interface{}, typ string) map[string]interface{} {
	for _, c := range conds {
		if m, ok := c.(map[string]interface{}); ok && m["type"] == typ {
			return m
		}
	}
	return nil
}

// ServiceResolver resolves Service ports to ClusterIP:port through a
// (cached) controller-runtime client.
type ServiceResolver struct{ Client client.Reader }

var _ Resolver = ServiceResolver{}

// Resolve implements Resolver.
func (s ServiceResolver) Resolve(ctx context.Context, ns, name string, port intstr.IntOrString) (string, error) {
	svc := &corev1.Service{}
	if err := s.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, svc); err != nil {
		return "", fmt.Errorf("resolving service %s/%s: %w", ns, name, err)
	}
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone {
		return "", fmt.Errorf("service %s/%s has no cluster IP", ns, name)
	}
	for _, p := range svc.Spec.Ports {
		if (port.Type == intstr.Int && p.Port == port.IntVal) || (port.Type == intstr.String && p.Name == port.StrVal) {
			return fmt.Sprintf("%s:%d", ip, p.Port), nil
		}
	}
	return "", fmt.Errorf("service %s/%s has no port %s", ns, name, port.String())
}
