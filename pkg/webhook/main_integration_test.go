package webhook

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/config/cluster"
	"github.com/slipway-ci/slipway/pkg/webhook/certs"
)

const testNamespace = "slipway"

// itest is the shared envtest environment: a real kube-apiserver that
// calls this process's webhook over TLS, with the certificate the webhook
// made itself and injected.
var itest struct {
	skip   string
	client client.Client // uncached
	cfg    *rest.Config  // the admin's
	addr   string        // host:port of the webhook server
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
		itest.skip = "KUBEBUILDER_ASSETS is unset: run KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh) go test ./pkg/webhook/"
		return m.Run()
	}
	addr, err := freeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	itest.addr = addr
	crds, err := configObjects[*apiextensionsv1.CustomResourceDefinition]("crd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := &envtest.Environment{CRDs: crds}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := setup(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func testScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	_ = v1.AddToScheme(s)
	return s
}

// setup installs config/webhook.yaml pointed at this process and starts a
// manager with the webhook, as cmd/controller does.
func setup(ctx context.Context, cfg *rest.Config) error {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	c, err := client.New(cfg, client.Options{Scheme: testScheme()})
	if err != nil {
		return err
	}
	itest.client, itest.cfg = c, cfg
	if err := restoreConversion(ctx, c); err != nil {
		return err
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNamespace}}); err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: config.ConfigMapName},
		Data:       map[string]string{"default-timeout": "90s"},
	}
	if err := c.Create(ctx, cm); err != nil {
		return err
	}
	if err := installWebhooks(ctx, c); err != nil {
		return err
	}
	if err := startManager(ctx, cfg); err != nil {
		return err
	}
	return waitServing(ctx, c)
}

func startManager(ctx context.Context, cfg *rest.Config) error {
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: testScheme(), Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(itest.addr)
	var p int
	_, _ = fmt.Sscan(port, &p)
	err = Setup(mgr, Options{
		Namespace: testNamespace, Host: host, Port: p, Hosts: []string{host},
		Config: func(ctx context.Context) (*config.Config, error) {
			return cluster.Load(ctx, mgr.GetClient(), testNamespace)
		},
	})
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

// waitServing waits until the API server reaches the webhook: a dry-run
// create goes through both admission webhooks, and every CRD's conversion
// has the CA (each CRD update takes a while with the typed schemas).
func waitServing(ctx context.Context, c client.Client) error {
	deadline := time.Now().Add(60 * time.Second)
	for !injected(ctx, c) {
		if time.Now().After(deadline) {
			return fmt.Errorf("caBundle not injected into every CRD after 60s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	for {
		task := &v1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "probe"},
			Spec: v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "busybox"}}}}
		err := c.Create(ctx, task, client.DryRunAll)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook not serving after 60s: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// injected reports whether every CRD's conversion webhook has the CA of
// the webhook's Secret.
func injected(ctx context.Context, c client.Client) bool {
	s := &corev1.Secret{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: testNamespace, Name: SecretName}, s); err != nil {
		return false
	}
	var crds apiextensionsv1.CustomResourceDefinitionList
	if err := c.List(ctx, &crds); err != nil {
		return false
	}
	for _, crd := range crds.Items {
		conv := crd.Spec.Conversion
		if conv != nil && conv.Webhook != nil && conv.Webhook.ClientConfig != nil &&
			!bytes.Equal(conv.Webhook.ClientConfig.CABundle, s.Data[certs.KeyCACert]) {
			return false
		}
	}
	return true
}

// restoreConversion puts config/'s conversion webhook (pointed at this
// process) back into the CRDs: envtest drops conversion for kinds that are
// not controller-runtime convertibles.
func restoreConversion(ctx context.Context, c client.Client) error {
	crds, err := configObjects[*apiextensionsv1.CustomResourceDefinition]("crd-")
	if err != nil {
		return err
	}
	for _, want := range crds {
		if want.Spec.Conversion == nil || want.Spec.Conversion.Webhook == nil {
			continue // one version (CustomRuns): nothing to convert
		}
		got := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(want), got); err != nil {
			return err
		}
		got.Spec.Conversion = want.Spec.Conversion
		got.Spec.Conversion.Webhook.ClientConfig = urlConfig(PathConvert)
		if err := c.Update(ctx, got); err != nil {
			return fmt.Errorf("restoring the conversion webhook of %s: %w", got.Name, err)
		}
	}
	return nil
}

// installWebhooks creates config/webhook.yaml's configuration with URLs
// to this process instead of the in-cluster Service.
func installWebhooks(ctx context.Context, c client.Client) error {
	muts, err := configObjects[*admissionregistrationv1.MutatingWebhookConfiguration]("webhook.yaml")
	if err != nil {
		return err
	}
	for _, m := range muts {
		for i := range m.Webhooks {
			// The same path as config/ gives it, at this process.
			m.Webhooks[i].ClientConfig = admissionConfig(*m.Webhooks[i].ClientConfig.Service.Path)
		}
		if err := c.Create(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func urlConfig(path string) *apiextensionsv1.WebhookClientConfig {
	u := "https://" + itest.addr + path
	return &apiextensionsv1.WebhookClientConfig{URL: &u}
}

func admissionConfig(path string) admissionregistrationv1.WebhookClientConfig {
	u := "https://" + itest.addr + path
	return admissionregistrationv1.WebhookClientConfig{URL: &u}
}

// configObjects reads every object of type T from config/ files whose name
// starts with prefix.
func configObjects[T runtime.Object](prefix string) ([]T, error) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", prefix+"*"))
	if err != nil {
		return nil, err
	}
	var out []T
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			obj, _, err := decoder().Decode([]byte(doc), nil, nil)
			if err != nil {
				continue // another kind, or a comment-only document
			}
			if t, ok := obj.(T); ok {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %T in config/%s*", *new(T), prefix)
	}
	return out, nil
}

func decoder() runtime.Decoder {
	return serializer.NewCodecFactory(testScheme()).UniversalDeserializer()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func maybeSkip(t *testing.T) {
	t.Helper()
	if itest.skip != "" {
		t.Skip(itest.skip)
	}
}
