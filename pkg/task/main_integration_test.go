package task

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/image"
	"github.com/slipway-ci/slipway/pkg/queue"
	"github.com/slipway-ci/slipway/pkg/resolution"
)

// controllerNamespace holds slipway-config in the integration tests, as in config/.
const controllerNamespace = "slipway"

// itest is the shared envtest environment, set up once by TestMain.
var itest struct {
	skip   string
	client client.Client // uncached: sees the API server's truth
	clock  *clocktesting.FakeClock
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	switch {
	case testing.Short():
		itest.skip = "integration test skipped under -short"
		return m.Run()
	case os.Getenv("KUBEBUILDER_ASSETS") == "":
		itest.skip = "KUBEBUILDER_ASSETS is unset: run KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh) go test ./pkg/task/"
		return m.Run()
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := startManager(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1.AddToScheme(s)
	_ = v1beta1.AddToScheme(s)
	return s
}

// startManager runs the TaskRun controller as cmd/controller does, with a
// fake clock and a fake image resolver.
func startManager(ctx context.Context, cfg *rest.Config) error {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	scheme := testScheme()
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("creating client: %w", err)
	}
	itest.client = c
	itest.clock = clocktesting.NewFakeClock(time.Now())
	if err := installConfig(ctx, c); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Cache:   cache.Options{ByObject: CacheByObject(controllerNamespace), DefaultTransform: cache.TransformStripManagedFields()},
		Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	remote := resolution.NewManager([]resolution.Resolver{slowTasks})
	err = Setup(mgr, Options{Namespace: controllerNamespace, Workers: 4, Images: fakeImages{}, Clock: itest.clock, Remote: remote,
		Queue: queue.NewManager()})
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return nil
}

// installConfig creates the controller namespace and config/config.yaml's ConfigMap.
func installConfig(ctx context.Context, c client.Client) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controllerNamespace}}); err != nil {
		return fmt.Errorf("creating namespace: %w", err)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "config.yaml"))
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.Unmarshal(b, cm); err != nil {
		return fmt.Errorf("parsing config/config.yaml: %w", err)
	}
	if err := c.Create(ctx, cm); err != nil {
		return fmt.Errorf("creating ConfigMap: %w", err)
	}
	return nil
}

// fakeImages resolves every image to a fixed entrypoint.
type fakeImages struct{}

func (fakeImages) Entrypoint(_ context.Context, req image.Request) (image.Config, error) {
	return image.Config{Digest: "sha256:fake", Entrypoint: []string{"/bin/" + filepath.Base(req.Image)}}, nil
}

// maybeSkip skips integration tests when envtest is not available.
func maybeSkip(t *testing.T) {
	t.Helper()
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
}
