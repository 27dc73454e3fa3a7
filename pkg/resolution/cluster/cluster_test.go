package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, v1.AddToScheme, v1beta1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

func TestFetch(t *testing.T) {
	t.Parallel()
	task := func(ns string) *v1.Task {
		return &v1.Task{ObjectMeta: metav1.ObjectMeta{Name: "build", Namespace: ns, UID: "u1"},
			Spec: v1.TaskSpec{Steps: []v1.Step{{Name: "s", Image: "alpine"}}}}
	}
	objs := []client.Object{task("team"), task("slipway-catalog"), task("other"), task("secret-ns"),
		&v1.Pipeline{ObjectMeta: metav1.ObjectMeta{Name: "ci", Namespace: "slipway-catalog"}}}
	policyCM := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: "slipway"},
		Data: map[string]string{"allowed-namespaces": "team, other, secret-ns", "blocked-namespaces": "secret-ns"}}
	tests := []struct {
		name     string
		policy   bool
		kind     string
		params   map[string]string
		wantURI  string
		sentinel error
		wantErr  string
	}{
		{name: "own namespace", kind: "Task", params: map[string]string{"name": "build", "namespace": "team"},
			wantURI: "/apis/tekton.dev/v1/namespaces/team/tasks/build@u1"},
		{name: "catalog namespace", kind: "Task", params: map[string]string{"name": "build", "namespace": "slipway-catalog"},
			wantURI: "/apis/tekton.dev/v1/namespaces/slipway-catalog/tasks/build@u1"},
		{name: "pipeline", kind: "Pipeline", params: map[string]string{"kind": "pipeline", "name": "ci", "namespace": "slipway-catalog"},
			wantURI: "/apis/tekton.dev/v1/namespaces/slipway-catalog/pipelines/ci@"},
		{name: "other namespace refused by default", kind: "Task", params: map[string]string{"name": "build", "namespace": "other"},
			sentinel: resolution.ErrRefused, wantErr: `namespace "other" is not the run's namespace nor the catalog namespace "slipway-catalog", and ConfigMap cluster-resolver-config sets no allowed-namespaces`},
		{name: "allowed by list", policy: true, kind: "Task", params: map[string]string{"name": "build", "namespace": "other"},
			wantURI: "/apis/tekton.dev/v1/namespaces/other/tasks/build@u1"},
		{name: "not in allowed list", policy: true, kind: "Task", params: map[string]string{"name": "build", "namespace": "slipway-catalog"},
			sentinel: resolution.ErrRefused, wantErr: `namespace "slipway-catalog" is not in allowed-namespaces of ConfigMap cluster-resolver-config`},
		{name: "blocked wins", policy: true, kind: "Task", params: map[string]string{"name": "build", "namespace": "secret-ns"},
			sentinel: resolution.ErrRefused, wantErr: `namespace "secret-ns" is in blocked-namespaces of ConfigMap cluster-resolver-config`},
		{name: "missing", kind: "Task", params: map[string]string{"name": "nope", "namespace": "team"},
			sentinel: resolution.ErrNotFound, wantErr: `Task "nope" not found in namespace "team"`},
		{name: "no name", kind: "Task", params: map[string]string{"namespace": "team"},
			sentinel: resolution.ErrInvalidParams, wantErr: `param "name" is required`},
		{name: "unknown param", kind: "Task", params: map[string]string{"name": "build", "namespace": "team", "nam": "x"},
			sentinel: resolution.ErrInvalidParams, wantErr: `unknown param "nam"`},
		{name: "bad kind", kind: "Task", params: map[string]string{"kind": "clustertask", "name": "build", "namespace": "team"},
			sentinel: resolution.ErrInvalidParams, wantErr: `param "kind" is "clustertask"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			all := objs
			if tc.policy {
				all = append(append([]client.Object{}, objs...), policyCM)
			}
			r := New(fakeClient(t, all...), "slipway")
			res, err := r.Fetch(context.Background(), resolution.Request{Resolver: "cluster", Namespace: "team", Kind: tc.kind, Params: tc.params}, "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if !errors.Is(err, tc.sentinel) {
					t.Errorf("errors.Is(%v) = false", tc.sentinel)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.RefSource.URI != tc.wantURI || len(res.RefSource.Digest["sha256"]) != 64 {
				t.Errorf("refSource = %+v, want URI %q and a sha256", res.RefSource, tc.wantURI)
			}
			if tc.kind == "Task" {
				if _, err := resolution.DecodeTask(context.Background(), res); err != nil {
					t.Errorf("the fetched Task does not decode: %v", err)
				}
			}
		})
	}
}
