package task

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/credentials"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

// credsTaskRun runs one step as ServiceAccount sa.
func credsTaskRun(name, sa string) string {
	return `
metadata: {name: ` + name + `}
spec:
  serviceAccountName: ` + sa + `
  taskSpec:
    steps:
    - {name: s, image: alpine, command: ["true"]}
`
}

func createSecretsAndSA(t *testing.T, ns, sa string, secrets ...*corev1.Secret) {
	t.Helper()
	ctx := context.Background()
	acct := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: ns}}
	for _, s := range secrets {
		s.Namespace = ns
		if err := itest.client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		acct.Secrets = append(acct.Secrets, corev1.ObjectReference{Name: s.Name})
	}
	// A listed secret that does not exist is skipped.
	acct.Secrets = append(acct.Secrets, corev1.ObjectReference{Name: "deleted-token"})
	if err := itest.client.Create(ctx, acct); err != nil {
		t.Fatal(err)
	}
}

func TestServiceAccountCredentials(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	createSecretsAndSA(t, ns, "build-bot",
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "git-basic", Annotations: map[string]string{"tekton.dev/git-0": "https://git.example"}},
			Type:       corev1.SecretTypeBasicAuth,
			StringData: map[string]string{"username": "bot", "password": "tok"},
		},
		&corev1.Secret{ // not annotated: ignored
			ObjectMeta: metav1.ObjectMeta{Name: "other"},
			Type:       corev1.SecretTypeBasicAuth,
			StringData: map[string]string{"username": "u", "password": "p"},
		})
	apply(t, ns, &v1.TaskRun{}, credsTaskRun("with-creds", "build-bot"))
	pod := waitForPod(t, ns, "with-creds-pod")

	o, err := entrypoint.Parse(pod.Spec.Containers[0].Args)
	if err != nil {
		t.Fatal(err)
	}
	want := []credentials.Credential{{Kind: credentials.BasicGit, Secret: "git-basic", Target: "https://git.example"}}
	if diff := cmp.Diff(want, o.Credentials); diff != "" {
		t.Errorf("step credentials (-want +got):\n%s", diff)
	}
	var secretVols []string
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			secretVols = append(secretVols, v.Secret.SecretName)
		}
	}
	if diff := cmp.Diff([]string{"git-basic"}, secretVols); diff != "" {
		t.Errorf("secret volumes (-want +got):\n%s", diff)
	}
	mounted := false
	for _, m := range pod.Spec.Containers[0].VolumeMounts {
		mounted = mounted || (m.MountPath == entrypoint.CredsSecretsDir+"/git-basic" && m.ReadOnly)
	}
	if !mounted {
		t.Errorf("step mounts %v, want git-basic read-only under %s", pod.Spec.Containers[0].VolumeMounts, entrypoint.CredsSecretsDir)
	}
}

func TestServiceAccountWithoutCredentials(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	createSecretsAndSA(t, ns, "plain", &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "opaque", Annotations: map[string]string{"tekton.dev/git-0": "https://git.example"}},
		StringData: map[string]string{"token": "x"},
	})
	apply(t, ns, &v1.TaskRun{}, credsTaskRun("no-creds", "plain"))
	pod := waitForPod(t, ns, "no-creds-pod")
	o, err := entrypoint.Parse(pod.Spec.Containers[0].Args)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Credentials) > 0 {
		t.Errorf("step credentials = %v, want none", o.Credentials)
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil || v.Name == "tekton-creds" {
			t.Errorf("pod has credential volume %q, want none", v.Name)
		}
	}
}

func TestMissingServiceAccount(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, credsTaskRun("no-sa", "nobody"))
	tr := waitForReason(t, ns, "no-sa", v1.TaskRunReasonPodCreationFailed.String())
	mustContain(t, "message", tr.Status.GetCondition("Succeeded").Message, `ServiceAccount "nobody" not found in namespace`)
}

func TestBadCredentialAnnotation(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	createSecretsAndSA(t, ns, "bad", &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "git-basic", Annotations: map[string]string{"tekton.dev/git-0": "github.com"}},
		Type:       corev1.SecretTypeBasicAuth,
		StringData: map[string]string{"username": "bot", "password": "tok"},
	})
	apply(t, ns, &v1.TaskRun{}, credsTaskRun("bad-annotation", "bad"))
	tr := waitForReason(t, ns, "bad-annotation", v1.TaskRunReasonPodCreationFailed.String())
	mustContain(t, "message", tr.Status.GetCondition("Succeeded").Message, `secret "git-basic": basic-git target "github.com" must be an http(s) URL`)
}

// envtest runs no ServiceAccount controller, so "default" never exists
// here: naming it must still create the pod, as in a brand-new namespace.
func TestMissingDefaultServiceAccountIsNoError(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, credsTaskRun("default-sa", "default"))
	waitForPod(t, ns, "default-sa-pod")
}
