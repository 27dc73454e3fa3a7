package resources

import (
	"context"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"sigs.k8s.io/yaml"
)

// FuzzMakePod: any TaskRun and Task spec that Tekton's own validation
// accepts becomes a pod or an error, never a panic.
func FuzzMakePod(f *testing.F) {
	f.Add([]byte(`{"metadata":{"name":"tr","namespace":"ns","uid":"u"},"spec":{"taskSpec":{"steps":[{"name":"s","image":"busybox","script":"echo hi"}]}}}`))
	f.Add([]byte(`{"metadata":{"name":"tr","namespace":"ns"},"spec":{"timeout":"1m","podTemplate":{"nodeSelector":{"a":"b"}},"workspaces":[{"name":"w","emptyDir":{}}],"taskSpec":{"workspaces":[{"name":"w"}],"results":[{"name":"r"}],"sidecars":[{"name":"c","image":"redis"}],"steps":[{"name":"a","image":"busybox","command":["sh"],"args":["-c","true"],"onError":"continue"},{"image":"alpine","script":"#!/bin/sh\nexit 1","timeout":"5s"}]}}}`))
	f.Add([]byte(`{"metadata":{"name":"x"},"spec":{"computeResources":{"limits":{"memory":"1Gi"}},"stepSpecs":[{"name":"s","computeResources":{"requests":{"cpu":"1"}}}],"taskSpec":{"stepTemplate":{"env":[{"name":"A","value":"1"}]},"volumes":[{"name":"v","emptyDir":{}}],"steps":[{"name":"s","image":"busybox","command":["true"],"volumeMounts":[{"name":"v","mountPath":"/v"}],"stdoutConfig":{"path":"/tmp/o"}}]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var tr v1.TaskRun
		if err := yaml.Unmarshal(doc, &tr); err != nil || tr.Spec.TaskSpec == nil {
			return
		}
		ctx := context.Background()
		tr.SetDefaults(ctx)
		if tr.Validate(ctx) != nil {
			return
		}
		images := map[string]ImageConfig{}
		for _, ref := range ImagesToResolve(tr.Spec.TaskSpec) {
			images[ref] = ImageConfig{Entrypoint: []string{"/bin/sh"}}
		}
		for _, cfg := range []func() PodInput{
			func() PodInput {
				return PodInput{TaskRun: &tr, Spec: tr.Spec.TaskSpec, Config: nodeConfig(), Images: images}
			},
			func() PodInput {
				c := nodeConfig()
				c.EntrypointMode = "init"
				return PodInput{TaskRun: &tr, Spec: tr.Spec.TaskSpec, Config: c, Images: images, Retry: 2}
			},
		} {
			if _, err := MakePod(cfg()); err != nil {
				continue
			}
		}
	})
}
