package archiver

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/google/go-containerregistry/pkg/registry"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/logs"
)

// systemNamespace holds slipway-config in these tests.
const systemNamespace = "slipway"

// itest is the environment of the archiver's integration tests: a real
// API server, an in-process registry, and pod logs from client-go's fake
// clientset (envtest runs no kubelet), which serves "fake logs".
var itest struct {
	skip  string
	c     client.Client // uncached
	store *logs.OCI
	host  string // the registry's host:port
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() || os.Getenv("KUBEBUILDER_ASSETS") == "" {
		itest.skip = "integration test: needs KUBEBUILDER_ASSETS (hack/envtest-assets.sh) and no -short"
		os.Exit(m.Run())
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "..", "config")}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	code := 1
	if err := start(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	cancel() // the manager's watches would hold the API server's shutdown
	_ = env.Stop()
	os.Exit(code)
}

// start runs the archiver (and its expiry) in a manager, as cmd/controller does.
func start(ctx context.Context, cfg *rest.Config) error {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	_ = slipwayv1alpha1.AddToScheme(scheme)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	itest.c, itest.store, itest.host = c, &logs.OCI{TempDir: os.TempDir()}, srv.Listener.Addr().String()
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: systemNamespace}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "slipway-config", Namespace: systemNamespace},
			Data: map[string]string{"prune-logs-ttl": "1h", "prune-policies": "- {name: short, pipeline: short, logsTTL: 0s}"}},
	} {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return err
	}
	if err := Setup(mgr, Options{Store: itest.store, Logs: kubefake.NewClientset(), Namespace: systemNamespace}); err != nil {
		return err
	}
	go func() { _ = mgr.Start(ctx) }()
	return nil
}
