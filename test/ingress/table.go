package ingress

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Split is one weighted backend of a path: a Kubernetes Service port.
type Split struct {
	Namespace, Service string
	Port               intstr.IntOrString
	Percent            int
	AppendHeaders      map[string]string
}

// Path is one rule path: requests whose path starts with Prefix and whose
// headers equal Headers go to one of Splits.
type Path struct {
	Prefix        string
	Headers       map[string]string
	RewriteHost   string
	AppendHeaders map[string]string
	Splits        []Split
}

// Table maps a lower-cased host (without port) to its paths, in KIngress order.
type Table map[string][]Path

// Build compiles the KIngress objects into a Table. An ingress that cannot
// be compiled is left out and reported in errs by "namespace/name".
func Build(ingresses []*unstructured.Unstructured) (Table, map[string]error) {
	t, errs := Table{}, map[string]error{}
	sort.Slice(ingresses, func(i, j int) bool { return key(ingresses[i]) < key(ingresses[j]) })
	for _, ing := range ingresses {
		rules, err := parseRules(ing)
		if err != nil {
			errs[key(ing)] = err
			continue
		}
		for host, paths := range rules {
			t[host] = append(t[host], paths...)
		}
	}
	return t, errs
}

func key(u *unstructured.Unstructured) string { return u.GetNamespace() + "/" + u.GetName() }

// parseRules reads spec.rules of one KIngress.
func parseRules(ing *unstructured.Unstructured) (map[string][]Path, error) {
	rules, _, err := unstructured.NestedSlice(ing.Object, "spec", "rules")
	if err != nil {
		return nil, fmt.Errorf("spec.rules: %w", err)
	}
	out := map[string][]Path{}
	for i, r := range rules {
		rm, ok := r.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("spec.rules[%d] is not an object", i)
		}
		hosts, _, err := unstructured.NestedStringSlice(rm, "hosts")
		if err != nil || len(hosts) == 0 {
			return nil, fmt.Errorf("spec.rules[%d].hosts: want a non-empty list of strings", i)
		}
		paths, err := parsePaths(rm, i)
		if err != nil {
			return nil, err
		}
		for _, h := range hosts {
			h = strings.ToLower(h)
			out[h] = append(out[h], paths...)
		}
	}
	return out, nil
}

func parsePaths(rule map[string]interface{}, i int) ([]Path, error) {
	raw, _, err := unstructured.NestedSlice(rule, "http", "paths")
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("spec.rules[%d].http.paths: want a non-empty list", i)
	}
	paths := make([]Path, 0, len(raw))
	for j, p := range raw {
		pm, ok := p.(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("spec.rules[%d].http.paths[%d] is not an object", i, j)
		}
		path, err := parsePath(pm)
		if err != nil {
			return nil, fmt.Errorf("spec.rules[%d].http.paths[%d]: %w", i, j, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func parsePath(pm map[string]interface{}) (Path, error) {
	p := Path{}
	p.Prefix, _, _ = unstructured.NestedString(pm, "path")
	p.RewriteHost, _, _ = unstructured.NestedString(pm, "rewriteHost")
	p.AppendHeaders, _, _ = unstructured.NestedStringMap(pm, "appendHeaders")
	hm, _, _ := unstructured.NestedMap(pm, "headers")
	for name := range hm {
		exact, found, err := unstructured.NestedString(hm, name, "exact")
		if err != nil || !found {
			return Path{}, fmt.Errorf("headers[%s]: only exact matches are supported", name)
		}
		if p.Headers == nil {
			p.Headers = map[string]string{}
		}
		p.Headers[name] = exact
	}
	splits, _, err := unstructured.NestedSlice(pm, "splits")
	if err != nil || len(splits) == 0 {
		return Path{}, fmt.Errorf("splits: want a non-empty list")
	}
	total := 0
	for k, s := range splits {
		sp, err := parseSplit(s, len(splits))
		if err != nil {
			return Path{}, fmt.Errorf("splits[%d]: %w", k, err)
		}
		total += sp.Percent
		p.Splits = append(p.Splits, sp)
	}
	if total != 100 {
		return Path{}, fmt.Errorf("split percents add up to %d, want 100", total)
	}
	return p, nil
}

func parseSplit(s interface{}, n int) (Split, error) {
	sm, ok := s.(map[string]interface{})
	if !ok {
		return Split{}, fmt.Errorf("not an object")
	}
	sp := Split{}
	sp.Service, _, _ = unstructured.NestedString(sm, "serviceName")
	sp.Namespace, _, _ = unstructured.NestedString(sm, "serviceNamespace")
	if sp.Service == "" || sp.Namespace == "" {
		return Split{}, fmt.Errorf("serviceName and serviceNamespace are required")
	}
	switch v := sm["servicePort"].(type) {
	case int64:
		sp.Port = intstr.FromInt32(int32(v))
	case string:
		sp.Port = intstr.FromString(v)
	default:
		return Split{}, fmt.Errorf("servicePort %v: want a number or a port name", v)
	}
	pct, found, err := unstructured.NestedInt64(sm, "percent")
	if err != nil || pct < 0 || pct > 100 {
		return Split{}, fmt.Errorf("percent: want 0..100")
	}
	if !found && n == 1 {
		pct = 100 // a single split may omit its percent
	}
	sp.Percent = int(pct)
	sp.AppendHeaders, _, _ = unstructured.NestedStringMap(sm, "appendHeaders")
	return sp, nil
}

// Match is what Route picked for a request.
type Match struct {
	Path  *Path
	Split *Split
}

// Route finds the path for host (port ignored), urlPath and header, then
// picks a split by weight; roll must be in [0, 100).
func (t Table) Route(host, urlPath string, header func(string) string, roll int) (Match, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for i := range t[strings.ToLower(host)] {
		p := &t[strings.ToLower(host)][i]
		if !strings.HasPrefix(urlPath, p.Prefix) || !headersMatch(p.Headers, header) {
			continue
		}
		return Match{Path: p, Split: pick(p.Splits, roll)}, true
	}
	return Match{}, false
}

func headersMatch(want map[string]string, header func(string) string) bool {
	for k, v := range want {
		if header(k) != v {
			return false
		}
	}
	return true
}

// pick returns the split whose cumulative percent range holds roll.
func pick(splits []Split, roll int) *Split {
	acc := 0
	for i := range splits {
		acc += splits[i].Percent
		if roll < acc {
			return &splits[i]
		}
	}
	return &splits[len(splits)-1]
}
