package git_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// fakeSecrets is a SecretGetter holding secrets.
func fakeSecrets(secrets ...*corev1.Secret) resolution.SecretGetter {
	return func(_ context.Context, namespace, name string) (*corev1.Secret, error) {
		for _, s := range secrets {
			if s.Namespace == namespace && s.Name == name {
				return s.DeepCopy(), nil
			}
		}
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
	}
}

func secret(name string, typ corev1.SecretType, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Type: typ, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

var testSecrets = fakeSecrets(
	secret("alice", corev1.SecretTypeBasicAuth, map[string]string{"username": "alice", "password": "s3cret"}),
	secret("alice-wrong", corev1.SecretTypeBasicAuth, map[string]string{"username": "alice", "password": "wr0ng-pass"}),
	secret("pat", corev1.SecretTypeOpaque, map[string]string{"token": "t0ken", "other": "t0ken"}),
	secret("pat-wrong", corev1.SecretTypeOpaque, map[string]string{"token": "wr0ng-token"}),
	secret("empty", corev1.SecretTypeOpaque, nil),
)

// fixture is a repository served three ways: openly, behind basic auth
// (alice/s3cret), and behind token auth (git/t0ken).
type fixture struct {
	open, basic, token string // URLs of the repository
	root               string
	v1, v2             string // commits: v1 has tag v1, branch release; main is at v2
}

func taskYAML(version string) string { return "kind: Task # " + version + "\n" }

func newFixture(t *testing.T) fixture {
	t.Helper()
	root := t.TempDir()
	repo, err := gitserver.Init(filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{root: root}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.v1, err = repo.Commit("v1", map[string]string{"task.yaml": taskYAML("v1"), "tasks/build.yaml": "build\n"})
	must(err)
	must(repo.Tag("v1", f.v1, "release v1"))
	must(repo.Tag("light", f.v1, ""))
	must(repo.Tag("same", f.v1, ""))
	must(repo.SetRef("release", f.v1))
	must(repo.SetRef("refs/pull/1/head", f.v1))
	f.v2, err = repo.Commit("v2", map[string]string{"task.yaml": taskYAML("v2")})
	must(err)
	must(repo.SetRef("same", f.v2)) // a branch named like a tag: git prefers the tag
	f.open = gitserver.Start(t, root) + "/app"
	f.basic = gitserver.Start(t, root, gitserver.WithBasicAuth("alice", "s3cret")) + "/app"
	f.token = gitserver.Start(t, root, gitserver.WithBasicAuth("git", "t0ken")) + "/app"
	return f
}

// resolve runs Pin then Fetch, as the Manager does.
func resolve(ctx context.Context, r resolution.Resolver, params map[string]string) (string, *resolution.Resolved, error) {
	req := resolution.Request{Resolver: "git", Params: params, Namespace: "ns", Kind: "Task"}
	pin, ok, err := r.Pin(ctx, req)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, errors.New("not pinned")
	}
	res, err := r.Fetch(ctx, req, pin)
	return pin, res, err
}

func withCreds(rawURL, userinfo string) string {
	return strings.Replace(rawURL, "http://", "http://"+userinfo+"@", 1)
}

func TestResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := git.New(testSecrets)
	tests := []struct {
		name   string
		params map[string]string
		commit string // want the file at this commit
		data   string
		path   string // want EntryPoint (default task.yaml)
		uri    string // want URI (default git+f.open)
	}{
		{name: "branch", params: map[string]string{"url": f.open, "revision": "main", "pathInRepo": "task.yaml"}, commit: f.v2, data: taskYAML("v2")},
		{name: "default revision main", params: map[string]string{"url": f.open, "pathInRepo": "task.yaml"}, commit: f.v2, data: taskYAML("v2")},
		{name: "other branch", params: map[string]string{"url": f.open, "revision": "release", "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "annotated tag", params: map[string]string{"url": f.open, "revision": "v1", "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "lightweight tag", params: map[string]string{"url": f.open, "revision": "light", "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "tag before branch", params: map[string]string{"url": f.open, "revision": "same", "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "full ref name", params: map[string]string{"url": f.open, "revision": "refs/pull/1/head", "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "HEAD", params: map[string]string{"url": f.open, "revision": "HEAD", "pathInRepo": "task.yaml"}, commit: f.v2, data: taskYAML("v2")},
		{name: "commit SHA", params: map[string]string{"url": f.open, "revision": f.v1, "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "upper-case SHA", params: map[string]string{"url": f.open, "revision": strings.ToUpper(f.v1), "pathInRepo": "task.yaml"}, commit: f.v1, data: taskYAML("v1")},
		{name: "nested path with leading slash", params: map[string]string{"url": f.open, "pathInRepo": "/tasks/build.yaml"}, commit: f.v2, data: "build\n", path: "tasks/build.yaml"},
		{name: "basic-auth Secret", params: map[string]string{"url": f.basic, "pathInRepo": "task.yaml", "gitToken": "alice"}, commit: f.v2, data: taskYAML("v2"), uri: "git+" + f.basic},
		{name: "token Secret", params: map[string]string{"url": f.token, "revision": "v1", "pathInRepo": "task.yaml", "gitToken": "pat"}, commit: f.v1, data: taskYAML("v1"), uri: "git+" + f.token},
		{name: "token Secret, other key", params: map[string]string{"url": f.token, "pathInRepo": "task.yaml", "gitToken": "pat", "gitTokenKey": "other"}, commit: f.v2, data: taskYAML("v2"), uri: "git+" + f.token},
		{name: "credentials in the URL", params: map[string]string{"url": withCreds(f.basic, "alice:s3cret"), "pathInRepo": "task.yaml"}, commit: f.v2, data: taskYAML("v2"), uri: "git+" + f.basic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			pin, got, err := resolve(ctx, r, tc.params)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if pin != tc.commit {
				t.Errorf("pin = %s, want %s", pin, tc.commit)
			}
			want := &resolution.Resolved{Data: []byte(tc.data), RefSource: &v1.RefSource{
				URI:        valueOr(tc.uri, "git+"+f.open),
				Digest:     map[string]string{"sha1": tc.commit},
				EntryPoint: valueOr(tc.path, "task.yaml"),
			}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Fetch (-want +got):\n%s", diff)
			}
		})
	}
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tlsURL := startTLS(t, f.root) + "/app"
	r := git.New(testSecrets)
	tests := []struct {
		name    string
		params  map[string]string
		want    error
		msg     string // the message contains it
		private string // the message must not contain it
	}{
		{name: "unknown revision", params: map[string]string{"url": f.open, "revision": "nope", "pathInRepo": "task.yaml"}, want: resolution.ErrNotFound, msg: `revision "nope" not found in ` + f.open},
		{name: "unknown SHA", params: map[string]string{"url": f.open, "revision": strings.Repeat("ab", 20), "pathInRepo": "task.yaml"}, want: resolution.ErrNotFound, msg: `revision "` + strings.Repeat("ab", 20) + `" not found`},
		{name: "missing file", params: map[string]string{"url": f.open, "pathInRepo": "missing.yaml"}, want: resolution.ErrNotFound, msg: `file "missing.yaml" not found at commit ` + f.v2 + " of " + f.open},
		{name: "directory", params: map[string]string{"url": f.open, "pathInRepo": "tasks"}, want: resolution.ErrNotFound, msg: `"tasks" at commit ` + f.v2 + " of " + f.open + " is a directory, not a file"},
		{name: "no repository", params: map[string]string{"url": f.open + "-nope", "pathInRepo": "task.yaml"}, want: resolution.ErrNotFound, msg: "repository not found"},
		{name: "connection refused", params: map[string]string{"url": "http://127.0.0.1:1/app", "pathInRepo": "task.yaml"}, want: resolution.ErrUnreachable, msg: "host 127.0.0.1:1 unreachable: dial tcp"},
		{name: "untrusted certificate", params: map[string]string{"url": tlsURL, "pathInRepo": "task.yaml"}, want: resolution.ErrUnreachable, msg: "certificate"},
		{name: "no credentials", params: map[string]string{"url": f.basic, "pathInRepo": "task.yaml"}, want: resolution.ErrAuth, msg: "authentication failed (no credentials: set param gitToken"},
		{name: "wrong password", params: map[string]string{"url": f.basic, "pathInRepo": "task.yaml", "gitToken": "alice-wrong"}, want: resolution.ErrAuth, msg: `refused the credentials of gitToken Secret "alice-wrong"`, private: "wr0ng-pass"},
		{name: "wrong token", params: map[string]string{"url": f.token, "pathInRepo": "task.yaml", "gitToken": "pat-wrong"}, want: resolution.ErrAuth, msg: "authentication failed", private: "wr0ng-token"},
		{name: "wrong password in the URL", params: map[string]string{"url": withCreds(f.basic, "alice:wr0ng-pass"), "pathInRepo": "task.yaml"}, want: resolution.ErrAuth, msg: "listing refs of " + f.basic + ": authentication failed", private: "wr0ng-pass"},
		{name: "Secret not found", params: map[string]string{"url": f.basic, "pathInRepo": "task.yaml", "gitToken": "nope"}, want: resolution.ErrAuth, msg: `gitToken Secret "nope" not found in namespace "ns"`},
		{name: "key not in Secret", params: map[string]string{"url": f.token, "pathInRepo": "task.yaml", "gitToken": "empty"}, want: resolution.ErrAuth, msg: `key "token" of gitToken Secret "empty" is missing or empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _, err := resolve(ctx, r, tc.params)
			t.Log(err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tc.msg)
			}
			if tc.private != "" && strings.Contains(err.Error(), tc.private) {
				t.Errorf("error = %q shows a secret", err)
			}
		})
	}
}

// startTLS serves root over HTTPS with httptest's self-signed certificate.
func startTLS(t *testing.T, root string) string {
	t.Helper()
	s, err := gitserver.New(root)
	if err != nil {
		t.Skipf("git server unavailable: %v", err)
	}
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestResolveRespectsDeadline(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, err := resolve(ctx, git.New(nil), map[string]string{"url": hang.URL + "/app", "pathInRepo": "task.yaml"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the deadline", err)
	}
}

// TestPinMoves checks that the pin follows the branch, and that an old
// pin still fetches the old content, whether or not the server can send
// a commit by SHA.
func TestPinMoves(t *testing.T) {
	t.Parallel()
	servers := []struct {
		name string
		opts []gitserver.Option
	}{
		{name: "fetch by SHA"},
		{name: "no fetch by SHA", opts: []gitserver.Option{gitserver.WithoutSHAWant()}},
	}
	for _, tc := range servers {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			repo, err := gitserver.Init(filepath.Join(root, "app"))
			if err != nil {
				t.Fatal(err)
			}
			old, err := repo.Commit("v1", map[string]string{"task.yaml": taskYAML("v1")})
			if err != nil {
				t.Fatal(err)
			}
			url := gitserver.Start(t, root, tc.opts...) + "/app"
			r := git.New(nil)
			req := resolution.Request{Resolver: "git", Namespace: "ns", Params: map[string]string{"url": url, "pathInRepo": "task.yaml"}}
			ctx := context.Background()
			checkPin(ctx, t, r, req, old)
			current, err := repo.Commit("v2", map[string]string{"task.yaml": taskYAML("v2")})
			if err != nil {
				t.Fatal(err)
			}
			checkPin(ctx, t, r, req, current)
			checkFetch(ctx, t, r, req, old, old, taskYAML("v1"))
			checkFetch(ctx, t, r, req, current, current, taskYAML("v2"))
			checkFetch(ctx, t, r, req, "", current, taskYAML("v2"))
			bySHA := resolution.Request{Resolver: "git", Namespace: "ns", Params: map[string]string{"url": url, "revision": old, "pathInRepo": "task.yaml"}}
			checkPin(ctx, t, r, bySHA, old)
			checkFetch(ctx, t, r, bySHA, old, old, taskYAML("v1"))
		})
	}
}

func checkPin(ctx context.Context, t *testing.T, r *git.Resolver, req resolution.Request, want string) {
	t.Helper()
	pin, ok, err := r.Pin(ctx, req)
	if err != nil || !ok || pin != want {
		t.Fatalf("Pin = %q, %v, %v; want %q, true, nil", pin, ok, err, want)
	}
}

func checkFetch(ctx context.Context, t *testing.T, r *git.Resolver, req resolution.Request, pin, commit, data string) {
	t.Helper()
	got, err := r.Fetch(ctx, req, pin)
	if err != nil {
		t.Fatalf("Fetch(pin %q): %v", pin, err)
	}
	if string(got.Data) != data || got.RefSource.Digest["sha1"] != commit {
		t.Errorf("Fetch(pin %q) = %q at %s, want %q at %s", pin, got.Data, got.RefSource.Digest["sha1"], data, commit)
	}
}

func TestPinSHANeedsNoNetwork(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("0a", 20)
	req := resolution.Request{Params: map[string]string{"url": "https://127.0.0.1:1/app", "revision": sha, "pathInRepo": "t.yaml"}}
	checkPin(context.Background(), t, git.New(nil), req, sha)
}
