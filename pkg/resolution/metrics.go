package resolution

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what remote resolution did. A nil *Metrics records
// nothing.
type Metrics struct {
	hits     *prometheus.CounterVec
	fetches  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics creates the resolution metrics and registers them with reg:
//   - slipway_resolution_cache_hits_total{resolver}: refs answered from
//     the content cache;
//   - slipway_resolution_fetches_total{resolver,outcome}: refs fetched
//     (outcome "ok" or the failure's kind);
//   - slipway_resolution_fetch_duration_seconds{resolver}.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slipway_resolution_cache_hits_total",
			Help: "Remote references answered from the content cache."}, []string{"resolver"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slipway_resolution_fetches_total",
			Help: "Remote references fetched, by outcome."}, []string{"resolver", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "slipway_resolution_fetch_duration_seconds",
			Help: "Time to fetch a remote reference.", Buckets: prometheus.ExponentialBuckets(0.005, 3, 9)}, []string{"resolver"}),
	}
	for _, c := range []prometheus.Collector{m.hits, m.fetches, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) hit(resolver string) {
	if m != nil {
		m.hits.WithLabelValues(resolver).Inc()
	}
}

func (m *Metrics) fetched(resolver string, err error) {
	if m != nil {
		m.fetches.WithLabelValues(resolver, outcome(err)).Inc()
	}
}

func (m *Metrics) observe(resolver string, d time.Duration) {
	if m != nil {
		m.duration.WithLabelValues(resolver).Observe(d.Seconds())
	}
}

// outcome names an error's kind for a metric label.
func outcome(err error) string {
	kinds := []struct {
		err  error
		name string
	}{{ErrNotFound, "not_found"}, {ErrUnreachable, "unreachable"}, {ErrAuth, "auth"},
		{ErrInvalidParams, "invalid_params"}, {ErrRefused, "refused"}, {ErrWrongKind, "wrong_kind"}}
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}
