// Command kservice-deploy rolls out a digest-pinned Knative Service Revision
// named after a commit and writes the URL, REVISION and TAG_URL results.
//
//	kservice-deploy -service=NAME -image=REPO@sha256:... -commit=SHA [flags] [-- ARGS...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/slipway-ci/slipway/pkg/serving"
)

func main() {
	var o serving.Options
	var mode string
	var port int
	fs := flag.NewFlagSet("kservice-deploy", flag.ExitOnError)
	fs.StringVar(&o.Service, "service", "", "Knative Service name")
	fs.StringVar(&o.Namespace, "namespace", "", "namespace (default: the pod's own)")
	fs.StringVar(&o.Image, "image", "", "image digest reference (repo@sha256:...)")
	fs.StringVar(&o.Commit, "commit", "", "commit SHA naming the revision <service>-<sha[:7]>")
	fs.StringVar(&o.RevisionSuffix, "revision-suffix", "", "revision suffix (overrides -commit)")
	fs.StringVar(&mode, "traffic-mode", "latest", "latest, canary or promote")
	fs.Int64Var(&o.CanaryPercent, "canary-percent", 20, "canary share of the traffic (canary mode)")
	fs.StringVar(&o.Tag, "tag", serving.DefaultTag, "traffic tag of the new revision (canary mode)")
	fs.IntVar(&port, "port", 0, "container port (0: Knative's default)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the rollout")
	results := fs.String("results-dir", "/tekton/results", "where to write URL, REVISION and TAG_URL")
	_ = fs.Parse(os.Args[1:])
	o.Mode, o.ContainerPort = serving.Mode(strings.ToLower(mode)), int32(port)
	o.Args = fs.Args() // after "--": the container's arguments
	if err := run(o, *timeout, *results); err != nil {
		fmt.Fprintln(os.Stderr, "kservice-deploy:", err)
		os.Exit(1)
	}
}

func run(o serving.Options, timeout time.Duration, results string) error {
	cfg := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil)
	if o.Namespace == "" {
		ns, _, err := cfg.Namespace()
		if err != nil {
			return fmt.Errorf("finding the namespace: %w", err)
		}
		o.Namespace = ns
	}
	rc, err := cfg.ClientConfig()
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("creating the client: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	res, err := serving.NewDeployer(serving.NewDynamicClient(dyn)).Deploy(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("revision %s ready in %.1fs\nURL: %s\n", res.Revision, time.Since(start).Seconds(), res.URL)
	if res.TagURL != "" {
		fmt.Printf("TAG_URL: %s\n", res.TagURL)
	}
	return serving.WriteResults(results, res)
}
