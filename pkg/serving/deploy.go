package serving

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
)

// ErrNotFound is what a Client returns from Get for a missing Service.
var ErrNotFound = errors.New("service not found")

// Client reads and writes Knative Services.
type Client interface {
	// Get returns the Service, or an error wrapping ErrNotFound.
	Get(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error)
	// Create creates the Service and returns what the API server stored.
	Create(ctx context.Context, svc *unstructured.Unstructured) (*unstructured.Unstructured, error)
	// Update writes the Service (with its resourceVersion) and returns what was stored.
	Update(ctx context.Context, svc *unstructured.Unstructured) (*unstructured.Unstructured, error)
}

// Deployer rolls out Services through a Client.
type Deployer struct {
	client   Client
	interval time.Duration
}

// Option configures a Deployer.
type Option func(*Deployer)

// WithPollInterval sets how often Deploy reads the Service while waiting.
func WithPollInterval(d time.Duration) Option { return func(dp *Deployer) { dp.interval = d } }

// NewDeployer returns a Deployer using c.
func NewDeployer(c Client, opts ...Option) *Deployer {
	d := &Deployer{client: c, interval: 250 * time.Millisecond}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Deploy creates or updates the Service for o and waits until the new
// Revision is rolled out (bound the wait with ctx).
func (d *Deployer) Deploy(ctx context.Context, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, fmt.Errorf("invalid options: %w", err)
	}
	// A conflict means someone wrote the Service between our read and write:
	// read again and recompute.
	var rev string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() (err error) {
		rev, err = d.apply(ctx, o)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	tag := ""
	if o.Mode == ModeCanary {
		tag = o.Tag
	}
	return d.wait(ctx, o, rev, tag)
}

// apply writes the desired Service, skipping the write when nothing
// changes, and returns the Revision it rolls out.
func (d *Deployer) apply(ctx context.Context, o Options) (string, error) {
	existing, err := d.client.Get(ctx, o.Namespace, o.Service)
	if errors.Is(err, ErrNotFound) {
		existing = nil
	} else if err != nil {
		return "", fmt.Errorf("reading service %q: %w", o.Service, err)
	}
	rev, _, err := revisionFor(existing, o)
	if err != nil {
		return "", err
	}
	svc, changed, err := Desired(existing, o)
	if err != nil {
		return "", fmt.Errorf("building service %q: %w", o.Service, err)
	}
	switch {
	case existing == nil:
		_, err = d.client.Create(ctx, svc)
	case changed:
		_, err = d.client.Update(ctx, svc)
	}
	if err != nil {
		return "", fmt.Errorf("writing service %q: %w", o.Service, err) // keeps IsConflict working
	}
	return rev, nil
}

// wait polls the Service until Check says it is done or failed.
func (d *Deployer) wait(ctx context.Context, o Options, rev, tag string) (Result, error) {
	t := time.NewTicker(d.interval)
	defer t.Stop()
	for {
		svc, err := d.client.Get(ctx, o.Namespace, o.Service)
		if err != nil {
			return Result{}, fmt.Errorf("reading service %q: %w", o.Service, err)
		}
		res, done, err := Check(svc, rev, tag)
		if err != nil || done {
			return res, err
		}
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("waiting for revision %q of service %q to become ready: %w (last Ready condition: %s)", rev, o.Service, ctx.Err(), readySummary(svc))
		case <-t.C:
		}
	}
}

func readySummary(svc *unstructured.Unstructured) string {
	s, reason, msg := condition(svc, "Ready")
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%s %s %s", s, reason, msg)
}
