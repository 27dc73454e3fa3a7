package webhook

import (
	"context"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/slipway-ci/slipway/pkg/config"
)

// The bench's one-step TaskRun through both handlers, as the API server
// calls them for every TaskRun a user creates.
func BenchmarkAdmission(b *testing.B) {
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	req := request(&testing.T{}, admissionv1.Create, `
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: bench, namespace: default}
spec:
  taskSpec:
    steps:
    - {name: s0, image: busybox, command: ["true"]}
`)
	ctx := context.Background()
	for _, h := range []struct {
		name string
		fn   func(context.Context, admission.Request) admission.Response
	}{{"default", a.Default}, {"validate", a.Validate}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if resp := h.fn(ctx, req); !resp.Allowed {
					b.Fatal(resp.Result)
				}
			}
		})
	}
}
