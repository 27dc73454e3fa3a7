package image

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/utils/clock"
)

// DefaultTagTTL is how long a tag is trusted to point at the same digest.
const DefaultTagTTL = 5 * time.Minute

// cache remembers configs by digest (forever: a digest names its content)
// and tag → digest for a short TTL; concurrent lookups of one image share
// a single registry round trip.
type cache struct {
	inner Resolver
	ttl   time.Duration
	clock clock.PassiveClock
	group singleflight.Group

	mu       sync.Mutex
	byDigest map[string]Config
	tags     map[string]tagEntry
}

type tagEntry struct {
	digest  string
	expires time.Time
}

var _ Resolver = (*cache)(nil)

// NewCache decorates inner with a cache. A tag is looked up again after
// ttl (DefaultTagTTL if zero).
func NewCache(inner Resolver, ttl time.Duration) Resolver {
	return newCache(inner, ttl, clock.RealClock{})
}

func newCache(inner Resolver, ttl time.Duration, c clock.PassiveClock) *cache {
	if ttl <= 0 {
		ttl = DefaultTagTTL
	}
	return &cache{inner: inner, ttl: ttl, clock: c, byDigest: map[string]Config{}, tags: map[string]tagEntry{}}
}

// Entrypoint implements Resolver.
func (c *cache) Entrypoint(ctx context.Context, req Request) (Config, error) {
	if cfg, ok := c.lookup(req.Image); ok {
		return cfg, nil
	}
	v, err, _ := c.group.Do(req.Image, func() (any, error) {
		cfg, err := c.inner.Entrypoint(ctx, req)
		if err != nil {
			return Config{}, err
		}
		c.store(req.Image, cfg)
		return cfg, nil
	})
	if err != nil {
		return Config{}, err
	}
	return clone(v.(Config)), nil
}

// clone gives callers their own slices: the cached ones stay as fetched.
func clone(c Config) Config {
	c.Entrypoint, c.Cmd = slices.Clone(c.Entrypoint), slices.Clone(c.Cmd)
	return c
}

// digestOf returns the digest a reference pins, if it does.
func digestOf(image string) string {
	if _, d, ok := strings.Cut(image, "@"); ok {
		return d
	}
	return ""
}

func (c *cache) lookup(image string) (Config, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := digestOf(image)
	if d == "" {
		e, ok := c.tags[image]
		if !ok || c.clock.Now().After(e.expires) {
			return Config{}, false
		}
		d = e.digest
	}
	cfg, ok := c.byDigest[d]
	return clone(cfg), ok
}

func (c *cache) store(image string, cfg Config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byDigest[cfg.Digest] = cfg
	if digestOf(image) == "" {
		c.tags[image] = tagEntry{digest: cfg.Digest, expires: c.clock.Now().Add(c.ttl)}
	}
}
