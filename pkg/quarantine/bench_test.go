package quarantine

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runningTaskRun is a TaskRun as the controller's watch sees it mid-run:
// spec, a copy of the task spec and five step states (about 4 KiB).
func runningTaskRun(b *testing.B) json.RawMessage {
	b.Helper()
	var steps, states []string
	for _, n := range []string{"clone", "build", "test", "scan", "push"} {
		steps = append(steps, `{"name":"`+n+`","image":"busybox","script":"#!/bin/sh\necho `+n+`\nmake `+n+`\n"}`)
		states = append(states, `{"name":"`+n+`","container":"step-`+n+`","imageID":"docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","terminated":{"exitCode":0,"reason":"Completed","startedAt":"2026-12-02T10:00:00Z","finishedAt":"2026-12-02T10:00:01Z","containerID":"containerd://0123456789abcdef"}}`)
	}
	spec := `{"steps":[` + strings.Join(steps, ",") + `]}`
	return json.RawMessage(`{"apiVersion":"tekton.dev/v1","kind":"TaskRun","metadata":{"name":"build-x7k2p","namespace":"ci","uid":"6f1c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6","resourceVersion":"123456","generation":1,"creationTimestamp":"2026-12-02T10:00:00Z","labels":{"tekton.dev/pipelineRun":"release-abc12","tekton.dev/pipelineTask":"build","app.kubernetes.io/managed-by":"tekton-pipelines"},"ownerReferences":[{"apiVersion":"tekton.dev/v1","kind":"PipelineRun","name":"release-abc12","uid":"0a1b2c3d-1111-2222-3333-444455556666","controller":true,"blockOwnerDeletion":true}]},"spec":{"serviceAccountName":"default","timeout":"1h0m0s","params":[{"name":"revision","value":"main"}],"taskSpec":` + spec + `},"status":{"conditions":[{"type":"Succeeded","status":"Unknown","reason":"Running","message":"Not all Steps in the Task have finished executing","lastTransitionTime":"2026-12-02T10:00:01Z"}],"podName":"build-x7k2p-pod","startTime":"2026-12-02T10:00:00Z","steps":[` + strings.Join(states, ",") + `],"taskSpec":` + spec + `}}`)
}

// BenchmarkWatchEvent is the cost the transport adds to each watch event
// of a TaskRun that decodes (the common case: passed through unchanged).
func BenchmarkWatchEvent(b *testing.B) {
	c := &checker{scheme: testScheme(b), groups: map[string]bool{"tekton.dev": true}}
	obj := runningTaskRun(b)
	ev := append(append([]byte(`{"type":"MODIFIED","object":`), obj...), '}', '\n')
	b.SetBytes(int64(len(ev)))
	b.ResetTimer()
	for range b.N {
		w := &watchBody{src: io.NopCloser(nil), dec: json.NewDecoder(bytes.NewReader(ev)), check: c}
		if _, err := io.Copy(io.Discard, struct{ io.Reader }{w}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObject is the check alone.
func BenchmarkObject(b *testing.B) {
	c := &checker{scheme: testScheme(b), groups: map[string]bool{"tekton.dev": true}}
	obj := runningTaskRun(b)
	b.SetBytes(int64(len(obj)))
	for range b.N {
		if _, bad := c.object(obj, metav1.TypeMeta{}); bad {
			b.Fatal("replaced a good object")
		}
	}
}
