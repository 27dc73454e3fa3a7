package webhook

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/slipway-ci/slipway/pkg/webhook/certs"
)

// Paths the handlers are served at (config/webhook.yaml names them).
const (
	PathAdmit    = "/admit"
	PathDefault  = "/default"
	PathValidate = "/validate"
	PathConvert  = "/convert"
)

// Names of the objects in config/webhook.yaml.
const (
	MutatingName = "webhook.slipway.dev"
	ServiceName  = "slipway-webhook"
	SecretName   = "slipway-webhook-certs"
)

// Options configure the webhook.
type Options struct {
	// Namespace holds the Service and the certificate Secret.
	Namespace string
	// Port and Host are where the server listens (default :9443).
	Port int
	Host string
	// Hosts are the certificate's names; they default to the Service's.
	Hosts []string
	// Config is read on each admission request.
	Config ConfigSource
}

// Setup adds the certificate rotator and the webhook server to mgr. Both
// run on every replica, leader or not, so the webhook keeps answering
// while one replica is down.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Namespace == "" || o.Config == nil {
		return errors.New("setting up the webhook: Namespace and Config are required")
	}
	if o.Port == 0 {
		o.Port = 9443
	}
	if len(o.Hosts) == 0 {
		svc := ServiceName + "." + o.Namespace + ".svc"
		o.Hosts = []string{svc, svc + ".cluster.local"}
	}
	crds := make([]string, 0, len(kinds))
	for _, k := range kinds {
		crds = append(crds, k.plural+"."+Group)
	}
	rot, err := certs.NewRotator(mgr.GetClient(), mgr.GetAPIReader(), mgr.GetLogger().WithName("webhook-certs"), certs.Options{
		Namespace: o.Namespace, SecretName: SecretName, Hosts: o.Hosts,
		Targets: certs.Targets{MutatingWebhooks: []string{MutatingName}, CRDs: crds},
	})
	if err != nil {
		return err
	}
	srv := crwebhook.NewServer(crwebhook.Options{
		Port: o.Port, Host: o.Host,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.GetCertificate = rot.GetCertificate }},
	})
	a := NewAdmission(o.Config, mgr.GetClient(), mgr.GetAPIReader())
	srv.Register(PathAdmit, &admission.Webhook{Handler: admission.HandlerFunc(a.Admit)})
	srv.Register(PathDefault, &admission.Webhook{Handler: admission.HandlerFunc(a.Default)})
	srv.Register(PathValidate, &admission.Webhook{Handler: admission.HandlerFunc(a.Validate)})
	srv.Register(PathConvert, Converter{})
	srv.Register(PathApprovals, &admission.Webhook{Handler: admission.HandlerFunc(Approvals{}.Handle)})
	for _, r := range []manager.Runnable{rot, srv} {
		if err := mgr.Add(r); err != nil {
			return fmt.Errorf("setting up the webhook: %w", err)
		}
	}
	if err := mgr.AddReadyzCheck("webhook-certificate", rot.Ready); err != nil {
		return fmt.Errorf("setting up the webhook: %w", err)
	}
	return mgr.AddReadyzCheck("webhook-server", healthz.Checker(func(r *http.Request) error { return srv.StartedChecker()(r) }))
}
