package hub

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/test/hubserver"
)

func yamlOf(kind, name, version string) string {
	return fmt.Sprintf("apiVersion: tekton.dev/v1\nkind: %s\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/version: %q\n", kind, name, version)
}

func testHub(t *testing.T) string {
	t.Helper()
	s := hubserver.New()
	for _, v := range []string{"0.6.0", "0.7.0", "0.9.0", "1.0.0", "1.1.0-rc1"} {
		s.Add("tekton-catalog-tasks", "task", "git-clone", v, []byte(yamlOf("Task", "git-clone", v)))
	}
	s.Add("tekton-catalog-pipelines", "pipeline", "buildpacks", "0.1.0", []byte(yamlOf("Pipeline", "buildpacks", "0.1.0")))
	s.Add("git-clone-stepaction", "stepaction", "git-clone", "1.6.0", []byte(yamlOf("StepAction", "git-clone", "1.6.0")))
	s.Add("Tekton", "task", "golang-build", "0.3", []byte(yamlOf("Task", "golang-build", "0.3")))
	s.Add("Tekton", "task", "golang-build", "0.4", []byte(yamlOf("Task", "golang-build", "0.4")))
	s.Add("mine", "task", "hello", "0.1.0", []byte(yamlOf("Task", "hello", "0.1.0")))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestResolve(t *testing.T) {
	t.Parallel()
	hubURL := testHub(t)
	other := testHub(t)
	tests := []struct {
		name    string
		kind    string
		params  map[string]string
		wantPin string
		want    string // the version in the YAML
		wantURI string
	}{
		{name: "artifact, default catalog", kind: "Task", params: map[string]string{"name": "git-clone", "version": "0.6.0"},
			wantPin: "0.6.0", want: "0.6.0", wantURI: hubURL + "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.6.0"},
		{name: "artifact, simplified version", kind: "Task", params: map[string]string{"name": "git-clone", "version": "0.9", "type": "artifact", "kind": "task"},
			wantPin: "0.9.0", want: "0.9.0", wantURI: hubURL + "/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.9.0"},
		{name: "artifact, v prefix", kind: "Task", params: map[string]string{"name": "git-clone", "version": "v1"},
			wantPin: "1.0.0", want: "1.0.0"},
		{name: "artifact pipeline, kind from the ref", kind: "Pipeline", params: map[string]string{"name": "buildpacks", "version": "0.1"},
			wantPin: "0.1.0", want: "0.1.0", wantURI: hubURL + "/api/v1/packages/tekton-pipeline/tekton-catalog-pipelines/buildpacks/0.1.0"},
		{name: "artifact step action", kind: "StepAction", params: map[string]string{"name": "git-clone", "version": "1.6.0", "catalog": "git-clone-stepaction"},
			wantPin: "1.6.0", want: "1.6.0", wantURI: hubURL + "/api/v1/packages/tekton-stepaction/git-clone-stepaction/git-clone/1.6.0"},
		{name: "artifact constraint", kind: "Task", params: map[string]string{"name": "git-clone", "version": ">= 0.7.0, < 1.0.0"},
			wantPin: "0.9.0", want: "0.9.0"},
		{name: "artifact constraint skips prereleases", kind: "Task", params: map[string]string{"name": "git-clone", "version": ">=0.7"},
			wantPin: "1.0.0", want: "1.0.0"},
		{name: "artifact pessimistic constraint", kind: "Task", params: map[string]string{"name": "git-clone", "version": "~> 0.6"},
			wantPin: "0.9.0", want: "0.9.0"},
		{name: "tekton, default catalog", kind: "Task", params: map[string]string{"name": "golang-build", "version": "0.3", "type": "tekton"},
			wantPin: "0.3", want: "0.3", wantURI: hubURL + "/v1/resource/Tekton/task/golang-build/0.3/yaml"},
		{name: "tekton, full version", kind: "Task", params: map[string]string{"name": "golang-build", "version": "0.4.0", "type": "tekton"},
			wantPin: "0.4", want: "0.4"},
		{name: "tekton constraint", kind: "Task", params: map[string]string{"name": "golang-build", "version": "< 0.4", "type": "tekton"},
			wantPin: "0.3", want: "0.3"},
		{name: "url param", kind: "Task", params: map[string]string{"name": "hello", "version": "0.1.0", "catalog": "mine", "url": other + "/"},
			wantPin: "0.1.0", want: "0.1.0", wantURI: other + "/api/v1/packages/tekton-task/mine/hello/0.1.0"},
	}
	r := New(WithArtifactHubURL(hubURL), WithTektonHubURL(hubURL+"/"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := resolution.Request{Resolver: "hub", Params: tc.params, Namespace: "ns", Kind: tc.kind}
			checkResolve(t, r, req, tc.wantPin, tc.want, tc.wantURI)
		})
	}
}

// checkResolve pins and fetches req, and checks the pin, that the YAML is
// of req's kind and version wantVersion, and the refSource.
func checkResolve(t *testing.T, r *Resolver, req resolution.Request, wantPin, wantVersion, wantURI string) {
	t.Helper()
	pin, ok, err := r.Pin(context.Background(), req)
	if err != nil || !ok || pin != wantPin {
		t.Fatalf("Pin = %q, %v, %v; want %q, true", pin, ok, err, wantPin)
	}
	got, err := r.Fetch(context.Background(), req, pin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got.Data), "kind: "+req.Kind+"\n") || !strings.Contains(string(got.Data), fmt.Sprintf("version: %q", wantVersion)) {
		t.Errorf("data = %q, want %s version %s", got.Data, req.Kind, wantVersion)
	}
	sum := sha256.Sum256(got.Data)
	want := &v1.RefSource{URI: cmp.Or(wantURI, got.RefSource.URI), Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}
	if diff := gocmp.Diff(want, got.RefSource); diff != "" {
		t.Errorf("refSource (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	hubURL := testHub(t)
	down, private := failingHubs(t)
	tests := []struct {
		name     string
		kind     string
		params   map[string]string
		wantErr  error
		wantText string
	}{
		{name: "unknown version", params: map[string]string{"name": "git-clone", "version": "0.5"},
			wantErr: resolution.ErrNotFound, wantText: `fetching task "git-clone" version 0.5.0 from catalog "tekton-catalog-tasks": not found: GET ` + hubURL + `/api/v1/packages/tekton-task/tekton-catalog-tasks/git-clone/0.5.0 answered 404 Not Found`},
		{name: "unknown name", params: map[string]string{"name": "nope", "version": "0.1"}, wantErr: resolution.ErrNotFound},
		{name: "unknown name, tekton", params: map[string]string{"name": "nope", "version": "0.1", "type": "tekton"}, wantErr: resolution.ErrNotFound},
		{name: "no version matches", params: map[string]string{"name": "git-clone", "version": ">= 2"},
			wantErr: resolution.ErrNotFound, wantText: `no version of task "git-clone" in catalog "tekton-catalog-tasks" matches ">= 2" (the hub lists 0.6.0, 0.7.0, 0.9.0, 1.0.0): not found`},
		{name: "constraint, unknown name", params: map[string]string{"name": "nope", "version": ">= 2"},
			wantErr: resolution.ErrNotFound, wantText: `listing versions of task "nope"`},
		{name: "unreachable", params: map[string]string{"name": "git-clone", "version": "0.6", "url": down},
			wantErr: resolution.ErrUnreachable, wantText: "hub unreachable: Get"},
		{name: "forbidden", params: map[string]string{"name": "git-clone", "version": "0.6", "url": private},
			wantErr: resolution.ErrAuth, wantText: "403 Forbidden"},
		{name: "unknown param", params: map[string]string{"name": "git-clone", "version": "0.6", "revision": "x"},
			wantErr: resolution.ErrInvalidParams, wantText: `unknown param "revision" (the hub resolver takes catalog, type, kind, name, version, url)`},
		{name: "no name", params: map[string]string{"version": "0.6"},
			wantErr: resolution.ErrInvalidParams, wantText: `params "name" and "version" are required`},
		{name: "no version", params: map[string]string{"name": "git-clone"}, wantErr: resolution.ErrInvalidParams},
		{name: "bad type", params: map[string]string{"name": "git-clone", "version": "0.6", "type": "docker"},
			wantErr: resolution.ErrInvalidParams, wantText: `param "type" is "docker", want artifact or tekton`},
		{name: "bad kind", params: map[string]string{"name": "git-clone", "version": "0.6", "kind": "deployment"},
			wantErr: resolution.ErrInvalidParams, wantText: `param "kind" is "deployment", want one of task, pipeline, stepaction`},
		{name: "step action needs a catalog", kind: "StepAction", params: map[string]string{"name": "git-clone", "version": "0.6"},
			wantErr: resolution.ErrInvalidParams, wantText: `param "catalog" is required for kind stepaction on type artifact`},
		{name: "bad constraint", params: map[string]string{"name": "git-clone", "version": ">= one"},
			wantErr: resolution.ErrInvalidParams, wantText: `param "version": ">= one" is neither a version nor a constraint`},
		{name: "bad url", params: map[string]string{"name": "git-clone", "version": "0.6", "url": "ftp://hub.example"},
			wantErr: resolution.ErrInvalidParams, wantText: `param "url" is "ftp://hub.example", want an absolute http or https URL`},
		{name: "dot dot", params: map[string]string{"name": "..", "version": "0.6"}, wantErr: resolution.ErrInvalidParams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := New(WithArtifactHubURL(hubURL), WithTektonHubURL(hubURL))
			req := resolution.Request{Resolver: "hub", Params: tc.params, Namespace: "ns", Kind: cmp.Or(tc.kind, "Task")}
			_, err := resolve(r, req)
			if !errors.Is(err, tc.wantErr) || !strings.Contains(fmt.Sprint(err), tc.wantText) {
				t.Errorf("error = %v, want %v containing %q", err, tc.wantErr, tc.wantText)
			}
		})
	}
}

// failingHubs returns the URL of a closed server and of one that answers
// 403 Forbidden to everything.
func failingHubs(t *testing.T) (down, private string) {
	t.Helper()
	d := httptest.NewServer(http.NotFoundHandler())
	d.Close()
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	t.Cleanup(p.Close)
	return d.URL, p.URL
}

func resolve(r *Resolver, req resolution.Request) (*resolution.Resolved, error) {
	pin, _, err := r.Pin(context.Background(), req)
	if err != nil {
		return nil, err
	}
	return r.Fetch(context.Background(), req, pin)
}

func TestPinNotARelease(t *testing.T) {
	t.Parallel()
	r := New(WithArtifactHubURL("http://hub.invalid"))
	req := resolution.Request{Resolver: "hub", Params: map[string]string{"name": "git-clone", "version": "latest"}, Kind: "Task"}
	if pin, ok, err := r.Pin(context.Background(), req); err != nil || ok || pin != "" {
		t.Errorf("Pin(latest) = %q, %v, %v; want not ok", pin, ok, err)
	}
}

func TestNoTektonHub(t *testing.T) {
	t.Parallel()
	r := New()
	req := resolution.Request{Resolver: "hub", Params: map[string]string{"name": "golang-build", "version": "0.3", "type": "tekton"}, Kind: "Task"}
	_, _, err := r.Pin(context.Background(), req)
	want := `type tekton needs a hub URL, and none is configured: set param "url"`
	if !errors.Is(err, resolution.ErrInvalidParams) || !strings.Contains(fmt.Sprint(err), want) {
		t.Errorf("Pin error = %v, want ErrInvalidParams containing %q", err, want)
	}
}
