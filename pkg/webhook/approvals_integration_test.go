package webhook

import (
	"context"
	"strings"
	"testing"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/approval"
)

// TestIntegrationApprovals: the API server calls the approvals webhook
// over TLS with the requester's identity; an approver's decision is
// recorded under their name, anyone else's is refused.
func TestIntegrationApprovals(t *testing.T) {
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
	ctx := context.Background()
	as := func(user string) client.Client {
		cfg := rest.CopyConfig(itest.cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:masters"}}
		s := runtime.NewScheme()
		_ = v1beta1.AddToScheme(s)
		c, err := client.New(cfg, client.Options{Scheme: s})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cr := approvalRun(nil)
	cr.Namespace = "default"
	cr.Name = "integration-gate"
	if err := as("admin").Create(ctx, cr); err != nil {
		t.Fatal(err)
	}
	decide := func(user string) error {
		patch := []byte(`{"metadata":{"annotations":{"` + approval.AnnotationApprove + `":"ok"}}}`)
		return as(user).Patch(ctx, cr.DeepCopy(), client.RawPatch(types.MergePatchType, patch))
	}
	if err := decide("bob"); err == nil || !strings.Contains(err.Error(), `user "bob" is not an approver`) {
		t.Errorf("bob: %v, want a refusal", err)
	}
	if err := decide("alice"); err != nil {
		t.Fatalf("alice: %v", err)
	}
	got := &v1beta1.CustomRun{}
	if err := as("admin").Get(ctx, client.ObjectKeyFromObject(cr), got); err != nil {
		t.Fatal(err)
	}
	ds, err := approval.Decisions(got)
	if err != nil || len(ds) != 1 || ds[0].User != "alice" || !ds[0].Approved || got.Annotations[approval.AnnotationApprove] != "" {
		t.Errorf("recorded %+v (%v), annotations %v; want alice's approval and no request left", ds, err, got.Annotations)
	}
}
