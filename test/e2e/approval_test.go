//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/pkg/approval"
)

// TestApprovalGate: a pipeline waits at an Approval until an approver
// approves (through the CLI); someone who is not an approver is refused
// with the reason; a rejection fails the run and skips what follows.
func TestApprovalGate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.allowToDecide("alice", "bob")
	for _, name := range []string{"approved", "rejected"} {
		e.apply(fmt.Sprintf(`
metadata: {name: %s}
spec:
  pipelineSpec:
    tasks:
    - name: build
      taskSpec: {steps: [{name: s, image: busybox, script: "echo built"}]}
    - name: gate
      runAfter: [build]
      taskRef: {apiVersion: slipway.dev/v1alpha1, kind: Approval}
      params:
      - {name: approvers, value: [alice, "group:release"]}
      - {name: description, value: deploy to production}
    - name: deploy
      runAfter: [gate]
      params: [{name: by, value: $(tasks.gate.results.approvers)}]
      taskSpec:
        params: [{name: by}]
        steps: [{name: s, image: busybox, script: "echo approved by $(params.by)"}]
`, name), &pipelinev1.PipelineRun{})
	}
	for _, name := range []string{"approved", "rejected"} {
		e.waitApprovalPending(name + "-gate")
	}
	err := e.decideAs("bob", "approved-gate", approval.AnnotationApprove, "")
	if err == nil || !strings.Contains(err.Error(), `user "bob" is not an approver of Approval "approved-gate"`) {
		t.Errorf("bob's approval: %v, want a refusal naming him", err)
	}
	if out, code := e.slipway("approve", "approved", "--as", "alice", "-m", "ship it"); code != 0 || !strings.Contains(out, "customrun/approved-gate approved") {
		t.Errorf("slipway approve (exit %d): %s", code, out)
	}
	if err := e.decideAs("alice", "rejected-gate", approval.AnnotationReject, "not today"); err != nil {
		t.Errorf("alice's rejection: %v", err)
	}
	got := e.waitPipelineRunDone("approved", 3*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if logs := e.logs("approved-deploy-pod", "step-s"); !strings.Contains(logs, "approved by alice") {
		t.Errorf("deploy printed %q, want the approver", logs)
	}
	got = e.waitPipelineRunDone("rejected", 3*time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	if c.IsTrue() || len(got.Status.SkippedTasks) != 1 || got.Status.SkippedTasks[0].Name != "deploy" {
		t.Errorf("rejected: %s %s, skipped %+v; want a failure that skips deploy", c.Reason, c.Message, got.Status.SkippedTasks)
	}
	var gate v1beta1.CustomRun
	if err := e.approvalClient("").Get(context.Background(), types.NamespacedName{Namespace: e.ns, Name: "rejected-gate"}, &gate); err != nil {
		t.Fatal(err)
	}
	if gc := gate.Status.GetCondition(apis.ConditionSucceeded); gc == nil || gc.Reason != approval.ReasonRejected || !strings.Contains(gc.Message, "rejected by alice (not today)") {
		t.Errorf("rejected gate: %+v", gc)
	}
}

// allowToDecide lets users read runs and annotate CustomRuns in the
// test's namespace (what an approver needs; the webhook checks the rest).
func (e *env) allowToDecide(users ...string) {
	e.t.Helper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "approvers", Namespace: e.ns}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{"tekton.dev"}, Resources: []string{"customruns", "pipelineruns", "taskruns"},
		Verbs: []string{"get", "list", "watch", "patch"}}}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "approvers", Namespace: e.ns},
		RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "approvers"}}
	for _, u := range users {
		binding.Subjects = append(binding.Subjects, rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: u})
	}
	for _, obj := range []client.Object{role, binding} {
		if err := e.c.Create(context.Background(), obj); err != nil {
			e.t.Fatal(err)
		}
	}
}

// approvalClient is a client acting as user ("" for the admin).
func (e *env) approvalClient(user string) client.Client {
	e.t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	}
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1beta1.AddToScheme(s)
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// decideAs sets a decision annotation on a CustomRun as user would with
// kubectl annotate.
func (e *env) decideAs(user, name, key, msg string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, msg)
	cr := &v1beta1.CustomRun{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name}}
	return e.approvalClient(user).Patch(context.Background(), cr, client.RawPatch(types.MergePatchType, []byte(patch)))
}

func (e *env) waitApprovalPending(name string) {
	e.t.Helper()
	c := e.approvalClient("")
	e.waitFor("Approval "+name+" to wait", 2*time.Minute, func(ctx context.Context) (bool, error) {
		var cr v1beta1.CustomRun
		if err := c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: name}, &cr); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		cond := cr.Status.GetCondition(apis.ConditionSucceeded)
		return cond != nil && cond.Reason == approval.ReasonWaiting, nil
	})
}
