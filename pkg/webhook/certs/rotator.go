package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// Targets name the objects whose caBundle the Rotator keeps current.
type Targets struct {
	// MutatingWebhooks are MutatingWebhookConfigurations (config/ installs
	// one, webhook.slipway.dev, that also validates).
	MutatingWebhooks []string
	// CRDs get the bundle in spec.conversion.webhook.clientConfig.
	CRDs []string
}

// Options configure a Rotator.
type Options struct {
	// Namespace and SecretName locate the Secret shared by every replica.
	Namespace, SecretName string
	// Hosts are the names (and IPs) the serving certificate is valid for.
	Hosts []string
	// Targets receive the CA bundle.
	Targets Targets
	// Interval is how often the Secret is read again (default 1 minute).
	Interval time.Duration
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
}

// Rotator keeps the serving certificate in memory, current with the
// Secret, and the CA bundle injected. It runs on every replica (it needs
// no leadership): the first to find no Secret creates it, the others read
// it; an update race is settled by the API server's resourceVersion.
type Rotator struct {
	opts   Options
	writer client.Client
	reader client.Reader
	log    logr.Logger
	cert   atomic.Pointer[tls.Certificate]
	synced atomic.Bool
}

var (
	_ manager.Runnable               = (*Rotator)(nil)
	_ manager.LeaderElectionRunnable = (*Rotator)(nil)
)

// NewRotator returns a Rotator that reads through reader (uncached) and
// writes through writer.
func NewRotator(writer client.Client, reader client.Reader, log logr.Logger, opts Options) (*Rotator, error) {
	if opts.Namespace == "" || opts.SecretName == "" || len(opts.Hosts) == 0 {
		return nil, errors.New("certificate rotator: Namespace, SecretName and Hosts are required")
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return &Rotator{opts: opts, writer: writer, reader: reader, log: log}, nil
}

// NeedLeaderElection is false: every replica serves the webhook.
func (r *Rotator) NeedLeaderElection() bool { return false }

// Start syncs now, then every Interval, until ctx ends. A failed sync is
// logged and tried again sooner.
func (r *Rotator) Start(ctx context.Context) error {
	for {
		wait := r.opts.Interval
		if err := r.Sync(ctx); err != nil {
			r.log.Error(err, "syncing webhook certificate")
			wait = 2 * time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// Sync makes sure the Secret holds a valid bundle, loads its leaf, and
// injects its CA bundle into the targets.
func (r *Rotator) Sync(ctx context.Context) error {
	b, err := r.ensureSecret(ctx)
	if err != nil {
		return err
	}
	c, err := b.TLSCertificate()
	if err != nil {
		return err
	}
	r.cert.Store(c)
	if err := inject(ctx, r.reader, r.writer, r.opts.Targets, b.CABundle(r.opts.Clock.Now())); err != nil {
		return err
	}
	r.synced.Store(true)
	return nil
}

// GetCertificate serves the current leaf (tls.Config.GetCertificate).
func (r *Rotator) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := r.cert.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("webhook serving certificate not loaded yet")
}

// Ready fails until the first sync succeeded (a healthz.Checker).
func (r *Rotator) Ready(*http.Request) error {
	if !r.synced.Load() {
		return errors.New("webhook certificate not synced yet")
	}
	return nil
}

// ensureSecret reads the Secret, creating or renewing its bundle as needed.
func (r *Rotator) ensureSecret(ctx context.Context) (*Bundle, error) {
	key := types.NamespacedName{Namespace: r.opts.Namespace, Name: r.opts.SecretName}
	now := r.opts.Clock.Now()
	s := &corev1.Secret{}
	err := r.reader.Get(ctx, key, s)
	if apierrors.IsNotFound(err) {
		return r.createSecret(ctx, now)
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s: %w", key, err)
	}
	old := fromSecret(s)
	b, changed, err := old.Renew(r.opts.Hosts, now)
	if err != nil {
		// Unreadable contents: start over rather than serve nothing.
		r.log.Error(err, "webhook certificate Secret unreadable, replacing it", "secret", key.String())
		if b, err = NewBundle(r.opts.Hosts, now); err != nil {
			return nil, err
		}
		changed = true
	}
	if !changed {
		return old, nil
	}
	toSecret(b, s)
	if err := r.writer.Update(ctx, s); err != nil {
		return nil, fmt.Errorf("renewing Secret %s: %w", key, err)
	}
	r.log.Info("webhook certificate renewed", "secret", key.String())
	return b, nil
}

func (r *Rotator) createSecret(ctx context.Context, now time.Time) (*Bundle, error) {
	b, err := NewBundle(r.opts.Hosts, now)
	if err != nil {
		return nil, err
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: r.opts.Namespace, Name: r.opts.SecretName,
		Labels: map[string]string{"app.kubernetes.io/part-of": "slipway"},
	}}
	toSecret(b, s)
	err = r.writer.Create(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		// Another replica won: use its bundle.
		return r.ensureSecret(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("creating Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	r.log.Info("webhook certificate created", "secret", s.Namespace+"/"+s.Name)
	return b, nil
}

func fromSecret(s *corev1.Secret) *Bundle {
	return &Bundle{
		CACert: s.Data[KeyCACert], CAKey: s.Data[KeyCAKey], PreviousCA: s.Data[KeyPreviousCA],
		Cert: s.Data[KeyCert], Key: s.Data[KeyKey],
	}
}

func toSecret(b *Bundle, s *corev1.Secret) {
	s.Type = corev1.SecretTypeOpaque
	s.Data = map[string][]byte{KeyCACert: b.CACert, KeyCAKey: b.CAKey, KeyCert: b.Cert, KeyKey: b.Key}
	if len(b.PreviousCA) > 0 {
		s.Data[KeyPreviousCA] = b.PreviousCA
	}
}
