package bundles

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
)

const (
	buildTask = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: build\nspec:\n  steps:\n  - image: busybox\n    script: echo build\n"
	lintTask  = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: lint\nspec:\n  steps:\n  - image: busybox\n    script: echo lint\n"
	ciPipe    = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: ci\nspec:\n  tasks:\n  - name: build\n    taskRef:\n      name: build\n"
	cloneStep = "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata:\n  name: clone\nspec:\n  image: busybox\n"
)

// testRegistry serves an in-memory registry, behind basic auth when user
// is set, and returns its host.
func testRegistry(t *testing.T, user, password string) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	h := reg
	if user != "" {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			reg.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// push pushes a bundle of docs to ref and returns its digest reference.
func push(t *testing.T, ref string, auth authn.Authenticator, docs ...string) name.Digest {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	objs := make([][]byte, len(docs))
	for i, d := range docs {
		objs[i] = []byte(d)
	}
	d, err := Push(context.Background(), r, objs, remote.WithAuth(auth))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// secrets is a SecretGetter over a fixed set of Secrets in namespace "ns".
func secrets(ss ...*corev1.Secret) resolution.SecretGetter {
	return func(_ context.Context, namespace, n string) (*corev1.Secret, error) {
		for _, s := range ss {
			if s.Namespace == namespace && s.Name == n {
				return s, nil
			}
		}
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), n)
	}
}

func dockerSecret(n, host, user, password string) *corev1.Secret {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: n},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: []byte(cfg)},
	}
}

// resolve pins then fetches req, as the Manager does.
func resolve(r *Resolver, req resolution.Request) (*resolution.Resolved, error) {
	ctx := context.Background()
	pin, _, err := r.Pin(ctx, req)
	if err != nil {
		return nil, err
	}
	return r.Fetch(ctx, req, pin)
}

func TestResolve(t *testing.T) {
	t.Parallel()
	host := testRegistry(t, "", "")
	d := push(t, host+"/catalog:v1", authn.Anonymous, buildTask, ciPipe, cloneStep)
	pushImage(t, host+"/app:v1")
	src := func(entry string) *v1.RefSource {
		return &v1.RefSource{URI: host + "/catalog", Digest: map[string]string{"sha256": d.DigestStr()[len("sha256:"):]}, EntryPoint: entry}
	}
	tests := []struct {
		name     string
		kind     string
		params   map[string]string
		want     string
		wantSrc  *v1.RefSource
		wantErr  error
		wantText string
	}{
		{name: "task by tag", kind: "Task", params: map[string]string{"bundle": host + "/catalog:v1", "name": "build"}, want: buildTask, wantSrc: src("build")},
		{name: "task by digest", kind: "Task", params: map[string]string{"bundle": d.String(), "name": "build", "kind": "task"}, want: buildTask, wantSrc: src("build")},
		{name: "pipeline, kind from the ref", kind: "Pipeline", params: map[string]string{"bundle": host + "/catalog:v1", "name": "ci"}, want: ciPipe, wantSrc: src("ci")},
		{name: "step action, kind uppercase", kind: "StepAction", params: map[string]string{"bundle": host + "/catalog:v1", "name": "clone", "kind": "StepAction"}, want: cloneStep, wantSrc: src("clone")},
		{name: "cache never", kind: "Task", params: map[string]string{"bundle": host + "/catalog:v1", "name": "build", "cache": "never"}, want: buildTask, wantSrc: src("build")},
		{name: "missing name", kind: "Task", params: map[string]string{"bundle": host + "/catalog:v1", "name": "lint"},
			wantErr: resolution.ErrNotFound, wantText: `task "lint" not found (the bundle holds task/build, pipeline/ci, stepaction/clone)`},
		{name: "wrong kind", kind: "Pipeline", params: map[string]string{"bundle": host + "/catalog:v1", "name": "build", "kind": "pipeline"},
			wantErr: resolution.ErrNotFound, wantText: `pipeline "build" not found`},
		{name: "unknown repository", kind: "Task", params: map[string]string{"bundle": host + "/nope:v1", "name": "build"},
			wantErr: resolution.ErrNotFound, wantText: "bundle " + host + "/nope:v1 not found (registry answered 404"},
		{name: "unknown tag", kind: "Task", params: map[string]string{"bundle": host + "/catalog:v9", "name": "build"},
			wantErr: resolution.ErrNotFound, wantText: "not found"},
		{name: "not a bundle", kind: "Task", params: map[string]string{"bundle": host + "/app:v1", "name": "build"},
			wantErr: resolution.ErrWrongKind, wantText: `not a Tekton bundle (wrong kind of image): layer 0 has no "dev.tekton.image.apiVersion" annotation`},
		{name: "unreachable", kind: "Task", params: map[string]string{"bundle": "127.0.0.1:1/catalog:v1", "name": "build"},
			wantErr: resolution.ErrUnreachable, wantText: "registry 127.0.0.1:1 unreachable"},
	}
	r := New(secrets())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolve(r, resolution.Request{Resolver: "bundles", Params: tc.params, Namespace: "ns", Kind: tc.kind})
			if !checkErr(t, err, tc.wantErr, tc.wantText) {
				return
			}
			if diff := cmp.Diff(tc.want, string(got.Data)); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSrc, got.RefSource); diff != "" {
				t.Errorf("refSource (-want +got):\n%s", diff)
			}
		})
	}
}

// checkErr fails t unless err is wantErr (nil: no error) and its message
// contains wantText; it tells whether the test goes on to check a result.
func checkErr(t *testing.T, err, wantErr error, wantText string) bool {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	if !errors.Is(err, wantErr) || !strings.Contains(fmt.Sprint(err), wantText) {
		t.Fatalf("error = %v, want %v containing %q", err, wantErr, wantText)
	}
	return false
}

// pushImage pushes a random image, which is not a bundle, to ref.
func pushImage(t *testing.T, ref string) {
	t.Helper()
	img, err := random.Image(100, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, ref), img); err != nil {
		t.Fatal(err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		params   map[string]string
		kind     string
		wantText string
	}{
		{name: "unknown param", params: map[string]string{"bundle": "r.example/b:1", "name": "x", "revision": "main"},
			wantText: `unknown param "revision" (the bundles resolver takes bundle, name, kind, secret, cache)`},
		{name: "service account", params: map[string]string{"bundle": "r.example/b:1", "name": "x", "serviceAccount": "default"},
			wantText: `param "serviceAccount" is not supported: name a kubernetes.io/dockerconfigjson Secret in param "secret" instead`},
		{name: "no bundle", params: map[string]string{"name": "x"}, wantText: `param "bundle" is required`},
		{name: "no name", params: map[string]string{"bundle": "r.example/b:1"}, wantText: `param "name" is required`},
		{name: "bad kind", params: map[string]string{"bundle": "r.example/b:1", "name": "x", "kind": "deployment"},
			wantText: `param "kind" is "deployment", want one of task, pipeline, stepaction`},
		{name: "no kind at all", params: map[string]string{"bundle": "r.example/b:1", "name": "x"}, kind: "-",
			wantText: `param "kind" is "", want one of`},
		{name: "bad cache", params: map[string]string{"bundle": "r.example/b:1", "name": "x", "cache": "sometimes"},
			wantText: `param "cache" is "sometimes", want one of always, never, auto`},
		{name: "bad reference", params: map[string]string{"bundle": "r.example/B:!", "name": "x"},
			wantText: `param "bundle": parsing image reference`},
	}
	r := New(secrets())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kind := "Task"
			if tc.kind == "-" {
				kind = ""
			}
			req := resolution.Request{Resolver: "bundles", Params: tc.params, Namespace: "ns", Kind: kind}
			_, _, err := r.Pin(context.Background(), req)
			if !errors.Is(err, resolution.ErrInvalidParams) || !strings.Contains(fmt.Sprint(err), tc.wantText) {
				t.Errorf("Pin error = %v, want ErrInvalidParams containing %q", err, tc.wantText)
			}
			_, err = r.Fetch(context.Background(), req, "")
			if !errors.Is(err, resolution.ErrInvalidParams) {
				t.Errorf("Fetch error = %v, want ErrInvalidParams", err)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	host := testRegistry(t, "robot", "s3cret")
	push(t, host+"/private:v1", &authn.Basic{Username: "robot", Password: "s3cret"}, buildTask)
	opaque := dockerSecret("opaque", host, "robot", "s3cret")
	opaque.Type = corev1.SecretTypeOpaque
	r := New(secrets(
		dockerSecret("good", host, "robot", "s3cret"),
		dockerSecret("bad", host, "robot", "wrong"),
		dockerSecret("elsewhere", "other.example", "robot", "s3cret"),
		opaque,
	))
	tests := []struct {
		secret   string
		wantErr  error
		wantText string
	}{
		{secret: "good"},
		{secret: "", wantErr: resolution.ErrAuth, wantText: `authentication failed (registry answered 401 Unauthorized: UNAUTHORIZED: authentication required); to pull with credentials, name a kubernetes.io/dockerconfigjson Secret with credentials for ` + host + ` in param "secret"`},
		{secret: "bad", wantErr: resolution.ErrAuth, wantText: `the registry refused the credentials of pull Secret "bad"`},
		{secret: "elsewhere", wantErr: resolution.ErrAuth, wantText: `pull Secret "elsewhere" has no credentials for ` + host},
		{secret: "missing", wantErr: resolution.ErrAuth, wantText: `pull Secret "missing" in namespace "ns" does not exist`},
		{secret: "opaque", wantErr: resolution.ErrAuth, wantText: `pull Secret "opaque" must be of type kubernetes.io/dockerconfigjson`},
	}
	for _, tc := range tests {
		t.Run("secret "+tc.secret, func(t *testing.T) {
			t.Parallel()
			params := map[string]string{"bundle": host + "/private:v1", "name": "build"}
			if tc.secret != "" {
				params["secret"] = tc.secret
			}
			got, err := resolve(r, resolution.Request{Resolver: "bundles", Params: params, Namespace: "ns", Kind: "Task"})
			if !checkErr(t, err, tc.wantErr, tc.wantText) {
				return
			}
			if string(got.Data) != buildTask {
				t.Errorf("data = %q, want %q", got.Data, buildTask)
			}
		})
	}
}

func TestPin(t *testing.T) {
	t.Parallel()
	host := testRegistry(t, "", "")
	r := New(secrets())
	ctx := context.Background()
	req := resolution.Request{Resolver: "bundles", Params: map[string]string{"bundle": host + "/catalog:v1", "name": "build"}, Namespace: "ns", Kind: "Task"}

	d1 := push(t, host+"/catalog:v1", authn.Anonymous, buildTask)
	pin1, ok, err := r.Pin(ctx, req)
	if err != nil || !ok || pin1 != d1.DigestStr() {
		t.Fatalf("Pin = %q, %v, %v; want %q, true", pin1, ok, err, d1.DigestStr())
	}
	d2 := push(t, host+"/catalog:v1", authn.Anonymous, buildTask, lintTask)
	pin2, _, err := r.Pin(ctx, req)
	if err != nil || pin2 != d2.DigestStr() || pin2 == pin1 {
		t.Fatalf("Pin after re-push = %q, %v; want %q, not %q", pin2, err, d2.DigestStr(), pin1)
	}
	// The first pin still fetches the first bundle, which has no lint.
	lint := resolution.Request{Resolver: "bundles", Params: map[string]string{"bundle": host + "/catalog:v1", "name": "lint"}, Namespace: "ns", Kind: "Task"}
	if _, err := r.Fetch(ctx, lint, pin1); !errors.Is(err, resolution.ErrNotFound) {
		t.Errorf("Fetch(lint, first pin) error = %v, want ErrNotFound", err)
	}
	if got, err := r.Fetch(ctx, lint, pin2); err != nil || string(got.Data) != lintTask {
		t.Errorf("Fetch(lint, second pin) = %v, want lint", err)
	}

	// By digest: no registry call at all.
	offline := New(secrets(), WithTransport(failing{}))
	byDigest := resolution.Request{Resolver: "bundles", Params: map[string]string{"bundle": d1.String(), "name": "build"}, Namespace: "ns", Kind: "Task"}
	if pin, ok, err := offline.Pin(ctx, byDigest); err != nil || !ok || pin != d1.DigestStr() {
		t.Errorf("Pin by digest = %q, %v, %v; want %q, true", pin, ok, err, d1.DigestStr())
	}
	never := resolution.Request{Resolver: "bundles", Params: map[string]string{"bundle": d1.String(), "name": "build", "cache": "never"}, Namespace: "ns", Kind: "Task"}
	if pin, ok, err := offline.Pin(ctx, never); err != nil || ok || pin != "" {
		t.Errorf("Pin with cache never = %q, %v, %v; want not ok", pin, ok, err)
	}
}

// failing is a transport that fails every request.
type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
}

func TestFetchBundleChecks(t *testing.T) {
	t.Parallel()
	host := testRegistry(t, "", "")
	annotated := func(kind string) mutate.Addendum {
		return mutate.Addendum{
			Layer:       static.NewLayer([]byte(buildTask), types.OCILayer),
			Annotations: map[string]string{AnnotationAPIVersion: "tekton.dev/v1", AnnotationKind: kind, AnnotationName: "build"},
		}
	}
	tests := []struct {
		name     string
		adds     []mutate.Addendum
		wantErr  error
		wantText string
	}{
		{name: "raw layer", adds: []mutate.Addendum{annotated("task")}},
		{name: "uppercase kind", adds: []mutate.Addendum{annotated("Task")}, wantErr: resolution.ErrWrongKind,
			wantText: `layer 0 has dev.tekton.image.kind "Task", which is not lowercase and singular`},
		{name: "too many layers", adds: repeat(annotated("task"), MaxObjects+1), wantErr: resolution.ErrWrongKind,
			wantText: "it has 21 layers, more than the 20 objects a bundle may hold"},
	}
	r := New(secrets())
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img, err := mutate.Append(mutate.MediaType(emptyOCI(), types.OCIManifestSchema1), tc.adds...)
			if err != nil {
				t.Fatal(err)
			}
			ref := fmt.Sprintf("%s/checks:%d", host, i)
			if err := remote.Write(mustRef(t, ref), img); err != nil {
				t.Fatal(err)
			}
			got, err := resolve(r, resolution.Request{Resolver: "bundles", Params: map[string]string{"bundle": ref, "name": "build"}, Namespace: "ns", Kind: "Task"})
			if !checkErr(t, err, tc.wantErr, tc.wantText) {
				return
			}
			if string(got.Data) != buildTask {
				t.Fatalf("resolve = %v, %v; want the task", got, err)
			}
		})
	}
}

func repeat(a mutate.Addendum, n int) []mutate.Addendum {
	out := make([]mutate.Addendum, n)
	for i := range out {
		out[i] = a
	}
	return out
}

func TestInsecureRegistries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bundle     string
		wantScheme string
	}{
		{bundle: "registry.example:5000/catalog:v1", wantScheme: "http"},
		{bundle: "registry.example:5000/catalog@sha256:" + strings.Repeat("a", 64), wantScheme: "http"},
		{bundle: "other.example/catalog:v1", wantScheme: "https"},
	}
	for _, tc := range tests {
		t.Run(tc.bundle, func(t *testing.T) {
			t.Parallel()
			req := resolution.Request{Params: map[string]string{"bundle": tc.bundle, "name": "build"}, Kind: "Task"}
			p, err := parseParams(req, []string{"registry.example:5000"})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.ref.Context().Scheme(); got != tc.wantScheme {
				t.Errorf("scheme = %s, want %s", got, tc.wantScheme)
			}
			if got := p.ref.String(); got != tc.bundle {
				t.Errorf("reference = %s, want %s", got, tc.bundle)
			}
		})
	}
}
