//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	"os"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// hostRegistry is the local registry as this (host) process reaches it.
const hostRegistry = "127.0.0.1:5000"

// podRegistry returns the local registry as pods and the controller reach it:
// the first insecure registry in Slipway's ConfigMap.
func podRegistry(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "slipway", Name: "slipway-config"}, &cm); err != nil {
		t.Fatalf("reading slipway-config: %v", err)
	}
	regs := strings.Fields(strings.ReplaceAll(cm.Data["insecure-registries"], ",", " "))
	if len(regs) == 0 {
		t.Fatal("slipway-config has no insecure-registries: is this the local cluster from `make up`?")
	}
	return regs[0]
}

// pushEntrypointImage pushes the local busybox image with the given
// ENTRYPOINT and CMD and returns its digest reference as pods see it.
func pushEntrypointImage(t *testing.T, repo string, entrypoint, cmd []string) string {
	t.Helper()
	base, err := remote.Image(mustRef(t, hostRegistry+"/library/busybox:latest"))
	if err != nil {
		t.Fatalf("reading the local busybox image: %v", err)
	}
	cf, err := base.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Entrypoint, cf.Config.Cmd = entrypoint, cmd
	img, err := mutate.ConfigFile(base, cf)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, hostRegistry+"/"+repo+":e2e"), img); err != nil {
		t.Fatalf("pushing %s: %v", repo, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return podRegistry(t) + "/" + repo + "@" + d.String()
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatalf("parsing %s: %v", s, err)
	}
	return r
}
