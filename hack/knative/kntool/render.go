package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Settings are the local cluster's choices for Knative.
type Settings struct {
	// Images maps a Knative command (controller, queue, ...) to its digest ref.
	Images map[string]string
	// Domain is config-domain's domain; "localhost" makes URLs that curl and
	// browsers resolve to 127.0.0.1 without DNS.
	Domain string
	// IngressClass is config-network's ingress-class (our test ingress).
	IngressClass string
	// Registry is the node-reachable registry, whose tags Knative need not resolve.
	Registry string
	// MinKubernetes overrides Knative's minimum Kubernetes version check.
	MinKubernetes string
	// ScaleToZero keeps config-autoscaler's enable-scale-to-zero.
	ScaleToZero bool
	// AutoscalerIP pins the autoscaler Service's ClusterIP: there is no
	// cluster DNS, and the activator's readiness needs its WebSocket to
	// autoscaler.knative-serving.svc.cluster.local, which a hostAlias
	// resolves to this address.
	AutoscalerIP string
}

// autoscalerHosts are the names the activator dials the autoscaler by.
var autoscalerHosts = []interface{}{"autoscaler.knative-serving.svc.cluster.local", "autoscaler.knative-serving.svc"}

var koRef = regexp.MustCompile(`ko://knative\.dev/serving/cmd/([a-z-]+)`)

func runRender(args []string, out io.Writer) error {
	f := flag.NewFlagSet("render", flag.ContinueOnError)
	serving := f.String("serving", "", "knative.dev/serving module directory")
	networking := f.String("networking", "", "knative.dev/networking module directory")
	caching := f.String("caching", "", "knative.dev/caching module directory")
	images := f.String("images", "", "file of NAME=REF@DIGEST lines")
	crds := f.Bool("crds", false, "write only the CustomResourceDefinitions")
	s := Settings{}
	f.StringVar(&s.Domain, "domain", "localhost", "config-domain domain")
	f.StringVar(&s.IngressClass, "ingress-class", "slipway.ingress.networking.knative.dev", "config-network ingress-class")
	f.StringVar(&s.Registry, "registry", "", "node-reachable registry host:port")
	f.StringVar(&s.MinKubernetes, "min-kubernetes", "v1.32.0", "KUBERNETES_MIN_VERSION of Knative's components")
	f.BoolVar(&s.ScaleToZero, "scale-to-zero", false, "keep scale to zero enabled")
	f.StringVar(&s.AutoscalerIP, "autoscaler-ip", "10.96.0.12", "ClusterIP for the autoscaler Service (in the static band of the service range)")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *serving == "" || *networking == "" || *caching == "" || *images == "" {
		return fmt.Errorf("render: -serving, -networking, -caching and -images are required")
	}
	var err error
	if s.Images, err = readImages(*images); err != nil {
		return err
	}
	var files []string
	for _, d := range []string{filepath.Join(*serving, "config/core"), filepath.Join(*networking, "config"), filepath.Join(*caching, "config")} {
		fs, err := yamlFiles(d)
		if err != nil {
			return err
		}
		files = append(files, fs...)
	}
	docs, err := Render(files, s)
	if err != nil {
		return err
	}
	return write(out, docs, *crds)
}

func readImages(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok {
			m[k] = v
		}
	}
	return m, sc.Err()
}

// yamlFiles lists the .yaml files below dir in lexical order.
func yamlFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	sort.Strings(out)
	return out, nil
}

// Render reads the files and returns their objects, adapted by s.
func Render(files []string, s Settings) ([]map[string]interface{}, error) {
	var docs []map[string]interface{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := Adapt(b, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		docs = append(docs, objs...)
	}
	return docs, nil
}

// Adapt splits a YAML stream and adapts each object to the local cluster.
func Adapt(stream []byte, s Settings) ([]map[string]interface{}, error) {
	var missing error
	stream = koRef.ReplaceAllFunc(stream, func(m []byte) []byte {
		sub := koRef.FindSubmatch(m)[1]
		if ref, ok := s.Images[string(sub)]; ok {
			return []byte(ref)
		}
		missing = fmt.Errorf("no image for %s", m)
		return m
	})
	if missing != nil {
		return nil, missing
	}
	var out []map[string]interface{}
	for _, doc := range bytes.Split(stream, []byte("\n---")) {
		obj := map[string]interface{}{}
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		if keep := adaptObject(obj, s); keep {
			out = append(out, obj)
		}
	}
	return out, nil
}

// adaptObject changes obj in place; false drops it.
func adaptObject(obj map[string]interface{}, s Settings) bool {
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]interface{})
	name, _ := meta["name"].(string)
	switch kind {
	case "HorizontalPodAutoscaler", "PodDisruptionBudget":
		return false // no metrics server, one node
	case "Deployment":
		adaptDeployment(obj, s)
		if name == "activator" && s.AutoscalerIP != "" {
			podSpec(obj)["hostAliases"] = []interface{}{map[string]interface{}{"ip": s.AutoscalerIP, "hostnames": autoscalerHosts}}
		}
	case "Service":
		if name == "autoscaler" && s.AutoscalerIP != "" {
			if spec, ok := obj["spec"].(map[string]interface{}); ok {
				spec["clusterIP"] = s.AutoscalerIP
			}
		}
	case "ConfigMap":
		if data := configData(name, s); data != nil {
			d, _ := obj["data"].(map[string]interface{})
			if d == nil {
				d = map[string]interface{}{}
			}
			for k, v := range data {
				d[k] = v
			}
			obj["data"] = d
		}
	}
	return true
}

// configData is what the local cluster sets in Knative's ConfigMaps.
func configData(name string, s Settings) map[string]interface{} {
	switch name {
	case "config-network":
		return map[string]interface{}{"ingress-class": s.IngressClass}
	case "config-domain":
		return map[string]interface{}{s.Domain: ""}
	case "config-autoscaler":
		// Burst capacity 0 keeps the activator out of the data path while a
		// Revision has pods (the default 200 puts it in front of small ones).
		return map[string]interface{}{"enable-scale-to-zero": fmt.Sprint(s.ScaleToZero), "scale-to-zero-grace-period": "10s",
			"target-burst-capacity": "0"}
	case "config-deployment":
		skip := "kind.local,ko.local,dev.local,127.0.0.1:5000,localhost:5000"
		if s.Registry != "" {
			skip += "," + s.Registry
		}
		return map[string]interface{}{"registries-skipping-tag-resolving": skip, "progress-deadline": "60s",
			"queue-sidecar-cpu-request": "10m"}
	}
	return nil
}

// adaptDeployment drops resource requests and limits (two shared cores)
// and lowers Knative's minimum Kubernetes version to the local cluster's.
func adaptDeployment(obj map[string]interface{}, s Settings) {
	cs, _ := podSpec(obj)["containers"].([]interface{})
	for _, c := range cs {
		cm, ok := c.(map[string]interface{})
		if !ok {
			continue
		}
		delete(cm, "resources")
		env, _ := cm["env"].([]interface{})
		cm["env"] = append(env, map[string]interface{}{"name": "KUBERNETES_MIN_VERSION", "value": s.MinKubernetes})
	}
}

// podSpec returns a Deployment's pod spec (an empty map when it has none).
func podSpec(obj map[string]interface{}) map[string]interface{} {
	spec, _ := obj["spec"].(map[string]interface{})
	tmpl, _ := spec["template"].(map[string]interface{})
	pod, ok := tmpl["spec"].(map[string]interface{})
	if !ok {
		return map[string]interface{}{}
	}
	return pod
}

// write prints the CRDs (crds) or every other object as one YAML stream.
func write(w io.Writer, docs []map[string]interface{}, crds bool) error {
	for _, d := range docs {
		if (d["kind"] == "CustomResourceDefinition") != crds {
			continue
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
