//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
)

// ServiceAccount secrets annotated the Tekton way become credential files
// that every step sees (docs/design.md D8): $HOME/.git-credentials and
// .gitconfig from a basic-auth secret, $(credentials.path)/.docker/config.json
// from a dockerconfigjson secret, and a copy in a step that sets its own
// HOME. The steps check the files with grep and never print a password.
func TestTaskRunServiceAccountCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, s := range []*corev1.Secret{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "git-basic", Annotations: map[string]string{"tekton.dev/git-0": "https://git.example.com"}},
			Type:       corev1.SecretTypeBasicAuth,
			StringData: map[string]string{"username": "bot", "password": "s3cr3t"},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "regcred", Annotations: map[string]string{"tekton.dev/docker-0": "https://registry.example.com"}},
			Type:       corev1.SecretTypeDockerConfigJson,
			StringData: map[string]string{".dockerconfigjson": `{"auths":{"registry.example.com":{"auth":"Ym90OnMzY3IzdA=="}}}`},
		},
	} {
		s.Namespace = e.ns
		if err := e.c.Create(ctx, s); err != nil {
			t.Fatalf("creating secret %s: %v", s.Name, err)
		}
	}
	sa := &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "build-bot", Namespace: e.ns},
		Secrets:    []corev1.ObjectReference{{Name: "git-basic"}, {Name: "regcred"}},
	}
	if err := e.c.Create(ctx, sa); err != nil {
		t.Fatalf("creating ServiceAccount: %v", err)
	}

	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: creds}
spec:
  serviceAccountName: build-bot
  taskSpec:
    steps:
    - name: check
      image: alpine
      script: |
        set -eu
        test "$HOME" = /tekton/home
        grep -qx 'https://bot:s3cr3t@git.example.com' "$HOME/.git-credentials"
        grep -q 'helper = store' "$HOME/.gitconfig"
        grep -q 'username = "bot"' "$HOME/.gitconfig"
        grep -q '"registry.example.com"' "$(credentials.path)/.docker/config.json"
        grep -q '"registry.example.com"' "$HOME/.docker/config.json"
        test -f /tekton/creds-secrets/regcred/.dockerconfigjson
        echo "credentials ok"
    - name: own-home
      image: alpine
      env: [{name: HOME, value: /tmp/home}]
      script: |
        set -eu
        grep -q '@git.example.com' /tmp/home/.git-credentials
        grep -q '"registry.example.com"' /tmp/home/.docker/config.json
        echo "own home ok"
`, &tr)
	got := e.waitTaskRunDone("creds", 2*time.Minute)
	wantCondition(t, got.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if out := e.logs(got.Status.PodName, "step-check"); !strings.Contains(out, "credentials ok") || strings.Contains(out, "s3cr3t") {
		t.Errorf("step-check logs = %q, want %q and no password", out, "credentials ok")
	}
	if out := e.logs(got.Status.PodName, "step-own-home"); !strings.Contains(out, "own home ok") {
		t.Errorf("step-own-home logs = %q", out)
	}
}

// A TaskRun naming a ServiceAccount that does not exist fails at once with
// a message that says so.
func TestTaskRunMissingServiceAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tr pipelinev1.TaskRun
	e.apply(`
metadata: {name: no-sa}
spec:
  serviceAccountName: nobody
  taskSpec:
    steps: [{name: s, image: alpine, script: "true"}]
`, &tr)
	got := e.waitTaskRunDone("no-sa", time.Minute)
	c := got.Status.GetCondition(apis.ConditionSucceeded)
	wantCondition(t, c, corev1.ConditionFalse, pipelinev1.TaskRunReasonPodCreationFailed.String())
	if !strings.Contains(c.Message, `ServiceAccount "nobody" not found`) {
		t.Errorf("message = %q", c.Message)
	}
}
