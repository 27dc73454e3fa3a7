package ingress

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// kingress is what Knative's route reconciler writes for a Service "hello"
// with 80% on hello-old, 20% on hello-new under tag "canary".
const kingress = `
metadata: {name: hello, namespace: ns, generation: 3}
spec:
  rules:
  - hosts: [hello.ns.localhost]
    visibility: ExternalIP
    http:
      paths:
      - headers: {Knative-Serving-Tag: {exact: canary}}
        appendHeaders: {Knative-Serving-Tag: canary}
        splits:
        - {serviceName: hello-new, serviceNamespace: ns, servicePort: 80, percent: 100,
           appendHeaders: {Knative-Serving-Revision: hello-new, Knative-Serving-Namespace: ns}}
      - splits:
        - {serviceName: hello-old, serviceNamespace: ns, servicePort: 80, percent: 80,
           appendHeaders: {Knative-Serving-Revision: hello-old}}
        - {serviceName: hello-new, serviceNamespace: ns, servicePort: http, percent: 20,
           appendHeaders: {Knative-Serving-Revision: hello-new}}
  - hosts: [canary-hello.ns.localhost]
    visibility: ExternalIP
    http:
      paths:
      - appendHeaders: {Knative-Serving-Tag: canary}
        splits:
        - {serviceName: hello-new, serviceNamespace: ns, servicePort: 80,
           appendHeaders: {Knative-Serving-Revision: hello-new}}
  - hosts: [mapped.example]
    visibility: ExternalIP
    http:
      paths:
      - rewriteHost: hello.ns.localhost
        splits:
        - {serviceName: hello-old, serviceNamespace: ns, servicePort: 80, percent: 100}
`

func parse(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	// Through JSON, as the API client decodes it (numbers become int64).
	j, err := yaml.YAMLToJSON([]byte("apiVersion: v1alpha1\nkind: Ingress\n" + y))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRoute(t *testing.T) {
	t.Parallel()
	table, errs := Build([]*unstructured.Unstructured{parse(t, kingress)})
	if len(errs) > 0 {
		t.Fatalf("Build() errors: %v", errs)
	}
	noHeader := func(string) string { return "" }
	tagHeader := func(k string) string { return map[string]string{"Knative-Serving-Tag": "canary"}[k] }
	tests := []struct {
		name, host string
		header     func(string) string
		roll       int
		want       string // service of the split, "" for no route
	}{
		{name: "weighted low roll", host: "hello.ns.localhost", header: noHeader, roll: 0, want: "hello-old"},
		{name: "weighted edge of old", host: "hello.ns.localhost", header: noHeader, roll: 79, want: "hello-old"},
		{name: "weighted canary", host: "hello.ns.localhost", header: noHeader, roll: 80, want: "hello-new"},
		{name: "weighted top", host: "hello.ns.localhost", header: noHeader, roll: 99, want: "hello-new"},
		{name: "host with port and case", host: "Hello.NS.localhost:80", header: noHeader, roll: 0, want: "hello-old"},
		{name: "tag header", host: "hello.ns.localhost", header: tagHeader, roll: 0, want: "hello-new"},
		{name: "tag host", host: "canary-hello.ns.localhost", header: noHeader, roll: 0, want: "hello-new"},
		{name: "unknown host", host: "nope.ns.localhost", header: noHeader, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, ok := table.Route(tc.host, "/", tc.header, tc.roll)
			got := ""
			if ok {
				got = m.Split.Service
			}
			if got != tc.want {
				t.Errorf("Route(%q, roll %d) = %q, want %q", tc.host, tc.roll, got, tc.want)
			}
		})
	}
}

func TestBuildSplits(t *testing.T) {
	t.Parallel()
	table, _ := Build([]*unstructured.Unstructured{parse(t, kingress)})
	got := table["hello.ns.localhost"][1].Splits
	want := []Split{
		{Namespace: "ns", Service: "hello-old", Port: intstr.FromInt32(80), Percent: 80, AppendHeaders: map[string]string{"Knative-Serving-Revision": "hello-old"}},
		{Namespace: "ns", Service: "hello-new", Port: intstr.FromString("http"), Percent: 20, AppendHeaders: map[string]string{"Knative-Serving-Revision": "hello-new"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("splits (-want +got):\n%s", d)
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, spec, wantErr string }{
		{name: "no hosts", spec: `{rules: [{http: {paths: [{splits: [{serviceName: a, serviceNamespace: ns, servicePort: 80}]}]}}]}`, wantErr: "hosts"},
		{name: "no paths", spec: `{rules: [{hosts: [a]}]}`, wantErr: "paths"},
		{name: "no splits", spec: `{rules: [{hosts: [a], http: {paths: [{}]}}]}`, wantErr: "splits"},
		{name: "bad sum", spec: `{rules: [{hosts: [a], http: {paths: [{splits: [{serviceName: a, serviceNamespace: ns, servicePort: 80, percent: 50}, {serviceName: b, serviceNamespace: ns, servicePort: 80, percent: 30}]}]}}]}`, wantErr: "add up to 80"},
		{name: "no service", spec: `{rules: [{hosts: [a], http: {paths: [{splits: [{servicePort: 80}]}]}}]}`, wantErr: "serviceName"},
		{name: "bad port", spec: `{rules: [{hosts: [a], http: {paths: [{splits: [{serviceName: a, serviceNamespace: ns, servicePort: 1.5}]}]}}]}`, wantErr: "servicePort"},
		{name: "regex header", spec: `{rules: [{hosts: [a], http: {paths: [{headers: {X: {prefix: a}}, splits: [{serviceName: a, serviceNamespace: ns, servicePort: 80}]}]}}]}`, wantErr: "exact"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bad := parse(t, "metadata: {name: bad, namespace: ns}\nspec: "+tc.spec)
			good := parse(t, kingress)
			table, errs := Build([]*unstructured.Unstructured{bad, good})
			if err := errs["ns/bad"]; err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
			if _, ok := table["hello.ns.localhost"]; !ok || len(errs) != 1 {
				t.Errorf("the valid ingress was not kept: %d hosts, %d errors", len(table), len(errs))
			}
		})
	}
}

// fixedResolver resolves every Service to one backend address.
type fixedResolver map[string]string

func (f fixedResolver) Resolve(_ context.Context, ns, name string, _ intstr.IntOrString) (string, error) {
	if a, ok := f[ns+"/"+name]; ok {
		return a, nil
	}
	return "", fmt.Errorf("no service %s/%s", ns, name)
}

func TestProxy(t *testing.T) {
	t.Parallel()
	backend := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s host=%s rev=%s tag=%s", name, r.Host, r.Header.Get("Knative-Serving-Revision"), r.Header.Get("Knative-Serving-Tag"))
		}))
	}
	oldB, newB := backend("old"), backend("new")
	defer oldB.Close()
	defer newB.Close()
	addr := func(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }
	p := NewProxy(fixedResolver{"ns/hello-old": addr(oldB), "ns/hello-new": addr(newB)})
	table, _ := Build([]*unstructured.Unstructured{parse(t, kingress)})
	p.SetTable(table)
	rolls := []int{10, 90}
	p.roll = func() int { r := rolls[0]; rolls = append(rolls[1:], r); return r }
	front := httptest.NewServer(p)
	defer front.Close()

	tests := []struct{ name, host, want string }{
		{name: "80% side", host: "hello.ns.localhost", want: "old host=hello.ns.localhost rev=hello-old tag="},
		{name: "20% side", host: "hello.ns.localhost", want: "new host=hello.ns.localhost rev=hello-new tag="},
		{name: "tag host", host: "canary-hello.ns.localhost", want: "new host=canary-hello.ns.localhost rev=hello-new tag=canary"},
		{name: "host rewrite", host: "mapped.example", want: "old host=hello.ns.localhost rev= tag="},
		{name: "no route", host: "nope.example", want: `slipway-ingress: no route for host "nope.example"`},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, tc := range tests { // sequential: the rolls alternate
		req, _ := http.NewRequest(http.MethodGet, front.URL, nil)
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strings.TrimSpace(string(b)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMakeStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ing := parse(t, kingress)
	st := MakeStatus(ing, nil, "lb.svc", now)
	if st["observedGeneration"] != int64(3) {
		t.Errorf("observedGeneration = %v", st["observedGeneration"])
	}
	for _, c := range st["conditions"].([]interface{}) {
		if c.(map[string]interface{})["status"] != "True" {
			t.Errorf("condition not True: %v", c)
		}
	}
	ing.Object["status"] = st
	later := MakeStatus(ing, fmt.Errorf("boom"), "lb.svc", now.Add(time.Hour))
	ready := findCondition(later["conditions"].([]interface{}), "Ready")
	want := map[string]interface{}{"type": "Ready", "status": "False", "reason": "InvalidIngress", "message": "boom",
		"lastTransitionTime": "2026-01-02T04:04:05Z"}
	if d := cmp.Diff(want, ready); d != "" {
		t.Errorf("Ready (-want +got):\n%s", d)
	}
	lb := findCondition(later["conditions"].([]interface{}), "LoadBalancerReady")
	if lb["lastTransitionTime"] != "2026-01-02T03:04:05Z" {
		t.Errorf("unchanged condition moved its transition time: %v", lb)
	}
}
