package task

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/entrypoint"
)

func readConfigFile(t *testing.T, name string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestConfigMapParses keeps config/config.yaml in step with pkg/config.
func TestConfigMapParses(t *testing.T) {
	t.Parallel()
	cm := &corev1.ConfigMap{}
	readConfigFile(t, "config.yaml", cm)
	cfg, err := config.FromConfigMap(cm)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultTimeout != 60*time.Minute || cfg.EntrypointMode != config.EntrypointModeNode ||
		cfg.EntrypointHostPath != "/var/lib/slipway/bin" || cfg.EntrypointImage != "slipway-entrypoint" {
		t.Errorf("config/config.yaml gives %+v", cfg)
	}
}

// TestDaemonSetArgs keeps the installer's args equal to what the
// entrypoint contract renders.
func TestDaemonSetArgs(t *testing.T) {
	t.Parallel()
	ds := &appsv1.DaemonSet{}
	readConfigFile(t, "entrypoint-daemonset.yaml", ds)
	c := ds.Spec.Template.Spec.Containers[0]
	want := entrypoint.Options{CopyTo: "/var/lib/slipway/bin/entrypoint", WaitAfterCopy: true}.Args()
	if diff := cmp.Diff(want, c.Args); diff != "" {
		t.Errorf("DaemonSet args (-want +got):\n%s", diff)
	}
	if c.Image != "slipway-entrypoint" {
		t.Errorf("image = %q, want slipway-entrypoint", c.Image)
	}
	hp := ds.Spec.Template.Spec.Volumes[0].HostPath
	if hp == nil || hp.Path != "/var/lib/slipway/bin" || *hp.Type != corev1.HostPathDirectoryOrCreate {
		t.Errorf("hostPath = %+v", hp)
	}
}
