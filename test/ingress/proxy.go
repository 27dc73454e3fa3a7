package ingress

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// Resolver turns a Service port into a dialable host:port. There is no
// cluster DNS on the local cluster, so the proxy dials ClusterIPs.
type Resolver interface {
	// Resolve returns "ip:port" for the port of Service namespace/name.
	Resolve(ctx context.Context, namespace, name string, port intstr.IntOrString) (string, error)
}

// Proxy is an http.Handler that routes by the current Table.
type Proxy struct {
	table    atomic.Pointer[Table]
	resolver Resolver
	roll     func() int
	rp       *httputil.ReverseProxy
}

type ctxKey struct{}

// NewProxy returns a Proxy with an empty Table.
func NewProxy(r Resolver) *Proxy {
	p := &Proxy{resolver: r, roll: func() int { return rand.IntN(100) }}
	p.table.Store(&Table{})
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			t := pr.In.Context().Value(ctxKey{}).(*url.URL)
			pr.SetURL(t)
			pr.Out.Host = pr.In.Host // keep the Host unless the path rewrites it
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "slipway-ingress: upstream: "+err.Error(), http.StatusBadGateway)
		},
	}
	return p
}

// SetTable replaces the routing table; requests in flight keep the old one.
func (p *Proxy) SetTable(t Table) { p.table.Store(&t) }

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, ok := p.table.Load().Route(r.Host, r.URL.Path, r.Header.Get, p.roll())
	if !ok {
		http.Error(w, fmt.Sprintf("slipway-ingress: no route for host %q", r.Host), http.StatusNotFound)
		return
	}
	addr, err := p.resolver.Resolve(r.Context(), m.Split.Namespace, m.Split.Service, m.Split.Port)
	if err != nil {
		http.Error(w, "slipway-ingress: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	r = r.Clone(context.WithValue(r.Context(), ctxKey{}, &url.URL{Scheme: "http", Host: addr}))
	for k, v := range m.Path.AppendHeaders {
		r.Header.Set(k, v)
	}
	for k, v := range m.Split.AppendHeaders {
		r.Header.Set(k, v)
	}
	if m.Path.RewriteHost != "" {
		r.Host = m.Path.RewriteHost
	}
	p.rp.ServeHTTP(w, r)
}
