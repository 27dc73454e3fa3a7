// Command slipway-ingress is the local cluster's test-only Knative ingress:
// a KIngress controller and the reverse proxy it programs (see test/ingress).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/slipway-ci/slipway/test/ingress"
)

func main() {
	class := flag.String("class", "slipway.ingress.networking.knative.dev", "ingress class to serve")
	addr := flag.String("http-addr", ":80", "address of the proxy")
	health := flag.String("health-addr", ":8091", "address of the health probes")
	lb := flag.String("load-balancer", "slipway-ingress.knative-serving.svc.cluster.local", "in-cluster name of the proxy written to KIngress status")
	flag.Parse()
	log, _ := zap.NewProduction()
	if err := run(*class, *addr, *health, *lb, log); err != nil {
		fmt.Fprintln(os.Stderr, "slipway-ingress:", err)
		os.Exit(1)
	}
}

func run(class, addr, health, lb string, log *zap.Logger) error {
	ctrl.SetLogger(zapr.NewLogger(log))
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: health,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}
	proxy := ingress.NewProxy(ingress.ServiceResolver{Client: mgr.GetClient()})
	r := &ingress.Reconciler{Client: mgr.GetClient(), Proxy: proxy, Class: class, LoadBalancer: lb, Log: log}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the controller: %w", err)
	}
	srv := &http.Server{Addr: addr, Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal("proxy stopped", zap.Error(err))
		}
	}()
	ctx := ctrl.SetupSignalHandler()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	log.Info("serving", zap.String("class", class), zap.String("addr", addr))
	return mgr.Start(ctx)
}
