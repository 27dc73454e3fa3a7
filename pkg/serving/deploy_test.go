package serving

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fakeKnative is a hand-written Client that plays Knative's controller:
// every write of a new spec bumps the generation, and a Get reconciles the
// status (the template's Revision becomes ready, or fails if failRev).
type fakeKnative struct {
	svc     *unstructured.Unstructured
	writes  int
	failRev string
}

var _ Client = (*fakeKnative)(nil)

func (f *fakeKnative) Get(_ context.Context, ns, name string) (*unstructured.Unstructured, error) {
	if f.svc == nil {
		return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, ns, name)
	}
	f.reconcile()
	return f.svc.DeepCopy(), nil
}

func (f *fakeKnative) Create(_ context.Context, s *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	f.writes++
	f.svc = s.DeepCopy()
	f.svc.SetGeneration(1)
	return f.svc.DeepCopy(), nil
}

func (f *fakeKnative) Update(_ context.Context, s *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	f.writes++
	gen := f.svc.GetGeneration()
	if !equality.Semantic.DeepEqual(f.svc.Object["spec"], s.Object["spec"]) {
		gen++
	}
	f.svc = s.DeepCopy()
	f.svc.SetGeneration(gen)
	return f.svc.DeepCopy(), nil
}

func (f *fakeKnative) reconcile() {
	rev, _, _ := unstructured.NestedString(f.svc.Object, "spec", "template", "metadata", "name")
	st := map[string]interface{}{"observedGeneration": f.svc.GetGeneration(), "latestCreatedRevisionName": rev,
		"url": "http://hello.ns.example"}
	if rev == f.failRev {
		st["conditions"] = cond("False", "RevisionFailed", fmt.Sprintf("Revision %q failed with message: boom.", rev))
	} else {
		st["conditions"] = cond("True", "", "")
		st["latestReadyRevisionName"] = rev
		var traffic []interface{}
		spec, _, _ := unstructured.NestedSlice(f.svc.Object, "spec", "traffic")
		for _, t := range spec {
			m := t.(map[string]interface{})
			out := map[string]interface{}{"percent": m["percent"], "revisionName": m["revisionName"]}
			if m["latestRevision"] == true {
				out["revisionName"] = rev
			}
			if tag, ok := m["tag"].(string); ok {
				out["tag"], out["url"] = tag, "http://"+tag+"-hello.ns.example"
			}
			traffic = append(traffic, out)
		}
		st["traffic"] = traffic
	}
	f.svc.Object["status"] = st
}

func TestDeploy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &fakeKnative{}
	d := NewDeployer(f, WithPollInterval(time.Millisecond))
	steps := []struct {
		name       string
		opts       Options
		want       Result
		wantWrites int
	}{
		{name: "first", opts: opts(func(o *Options) { o.Commit = "aaaaaaa1" }),
			want: Result{URL: "http://hello.ns.example", Revision: "hello-aaaaaaa-01234"}, wantWrites: 1},
		{name: "re-run writes nothing", opts: opts(func(o *Options) { o.Commit = "aaaaaaa1" }),
			want: Result{URL: "http://hello.ns.example", Revision: "hello-aaaaaaa-01234"}, wantWrites: 1},
		{name: "canary", opts: opts(func(o *Options) { o.Commit, o.Mode, o.CanaryPercent = "bbbbbbb2", ModeCanary, 20 }),
			want:       Result{URL: "http://hello.ns.example", Revision: "hello-bbbbbbb-01234", TagURL: "http://canary-hello.ns.example"},
			wantWrites: 2},
		{name: "canary re-run", opts: opts(func(o *Options) { o.Commit, o.Mode, o.CanaryPercent = "bbbbbbb2", ModeCanary, 20 }),
			want:       Result{URL: "http://hello.ns.example", Revision: "hello-bbbbbbb-01234", TagURL: "http://canary-hello.ns.example"},
			wantWrites: 2},
		{name: "promote", opts: opts(func(o *Options) { o.Commit, o.Mode = "bbbbbbb2", ModePromote }),
			want: Result{URL: "http://hello.ns.example", Revision: "hello-bbbbbbb-01234"}, wantWrites: 3},
	}
	for _, s := range steps { // sequential: each step builds on the last
		got, err := d.Deploy(ctx, s.opts)
		if err != nil {
			t.Fatalf("%s: Deploy() = %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: result (-want +got):\n%s", s.name, diff)
		}
		if f.writes != s.wantWrites {
			t.Errorf("%s: writes = %d, want %d", s.name, f.writes, s.wantWrites)
		}
	}
	traffic, _, _ := unstructured.NestedSlice(f.svc.Object, "spec", "traffic")
	want := []interface{}{map[string]interface{}{"percent": int64(100), "latestRevision": false, "revisionName": "hello-bbbbbbb-01234"}}
	if diff := cmp.Diff(want, traffic); diff != "" {
		t.Errorf("promoted traffic (-want +got):\n%s", diff)
	}
}

func TestDeployFailures(t *testing.T) {
	t.Parallel()
	t.Run("revision fails", func(t *testing.T) {
		t.Parallel()
		f := &fakeKnative{failRev: "hello-abcdef1-01234"}
		_, err := NewDeployer(f, WithPollInterval(time.Millisecond)).Deploy(context.Background(), opts(nil))
		if err == nil || !strings.Contains(err.Error(), `Revision "hello-abcdef1-01234" failed with message: boom.`) {
			t.Fatalf("Deploy() = %v", err)
		}
	})
	t.Run("not a digest", func(t *testing.T) {
		t.Parallel()
		f := &fakeKnative{}
		_, err := NewDeployer(f).Deploy(context.Background(), opts(func(o *Options) { o.Image = "app:latest" }))
		if err == nil || !strings.Contains(err.Error(), "not pinned by digest") || f.writes != 0 {
			t.Fatalf("Deploy() = %v, writes %d", err, f.writes)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		f := &fakeKnative{}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f.svc = svc(nil) // exists, never reconciled to our generation below
		f.svc.SetGeneration(5)
		_, err := NewDeployer(&stuck{f}, WithPollInterval(time.Millisecond)).Deploy(ctx, opts(nil))
		if err == nil || !strings.Contains(err.Error(), "waiting for revision") {
			t.Fatalf("Deploy() = %v", err)
		}
	})
}

// stuck is a Client whose Service never reaches Ready.
type stuck struct{ *fakeKnative }

func (s *stuck) Get(_ context.Context, _, _ string) (*unstructured.Unstructured, error) {
	return s.svc.DeepCopy(), nil
}

func TestWriteResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := WriteResults(dir, Result{URL: "http://u", Revision: "r"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"URL": "http://u", "REVISION": "r", "TAG_URL": ""} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if err := WriteResults(filepath.Join(dir, "missing"), Result{}); err == nil {
		t.Error("WriteResults(missing dir) = nil, want error")
	}
}
