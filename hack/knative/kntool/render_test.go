package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const stream = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller}
spec:
  template:
    spec:
      containers:
      - name: controller
        image: ko://knative.dev/serving/cmd/controller
        resources: {requests: {cpu: 100m}}
        env: [{name: A, value: b}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: config-domain}
data: {_example: x}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: webhook}
---
# only a comment
`

func TestAdapt(t *testing.T) {
	t.Parallel()
	s := Settings{Images: map[string]string{"controller": "reg/c@sha256:1"}, Domain: "localhost", MinKubernetes: "v1.32.0"}
	got, err := Adapt([]byte(stream), s)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]interface{}{{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]interface{}{"name": "controller"},
		"spec": map[string]interface{}{"template": map[string]interface{}{"spec": map[string]interface{}{
			"containers": []interface{}{map[string]interface{}{"name": "controller", "image": "reg/c@sha256:1",
				"env": []interface{}{
					map[string]interface{}{"name": "A", "value": "b"},
					map[string]interface{}{"name": "KUBERNETES_MIN_VERSION", "value": "v1.32.0"},
				}}}}}},
	}, {
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]interface{}{"name": "config-domain"},
		"data": map[string]interface{}{"_example": "x", "localhost": ""},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Adapt() (-want +got):\n%s", d)
	}
}

func TestAdaptAutoscalerIP(t *testing.T) {
	t.Parallel()
	in := `
kind: Service
metadata: {name: autoscaler}
spec: {ports: [{port: 8080}]}
---
kind: Deployment
metadata: {name: activator}
spec: {template: {spec: {containers: []}}}
`
	got, err := Adapt([]byte(in), Settings{AutoscalerIP: "10.96.0.12"})
	if err != nil {
		t.Fatal(err)
	}
	if ip := got[0]["spec"].(map[string]interface{})["clusterIP"]; ip != "10.96.0.12" {
		t.Errorf("autoscaler clusterIP = %v", ip)
	}
	want := []interface{}{map[string]interface{}{"ip": "10.96.0.12", "hostnames": autoscalerHosts}}
	if d := cmp.Diff(want, podSpec(got[1])["hostAliases"]); d != "" {
		t.Errorf("activator hostAliases (-want +got):\n%s", d)
	}
}

func TestAdaptMissingImage(t *testing.T) {
	t.Parallel()
	_, err := Adapt([]byte(stream), Settings{})
	if err == nil || !strings.Contains(err.Error(), "no image for ko://knative.dev/serving/cmd/controller") {
		t.Fatalf("Adapt() = %v", err)
	}
}
