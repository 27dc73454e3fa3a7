package task

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// TestConfigApplies server-side applies (dry run) every object that
// config/kustomization.yaml lists, so the API server validates the
// Deployment, DaemonSet, RBAC and ConfigMap as `kubectl apply -k` would.
func TestConfigApplies(t *testing.T) {
	maybeSkip(t)
	dir := filepath.Join("..", "..", "config")
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	for _, f := range k.Resources {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			u.SetManagedFields(nil)
			err := itest.client.Patch(context.Background(), u, client.Apply, client.FieldOwner("test"), client.ForceOwnership, client.DryRunAll)
			if err != nil {
				t.Errorf("%s: applying %s %s: %v", f, u.GetKind(), u.GetName(), err)
			}
		}
	}
}
