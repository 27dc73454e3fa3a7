package serving

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const (
	sha   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	image = "10.0.0.1:5000/app@sha256:" + sha
)

func opts(mut func(*Options)) Options {
	o := Options{Service: "hello", Namespace: "ns", Image: image, Commit: "ABCDEF1234567"}
	if mut != nil {
		mut(&o)
	}
	return o
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "defaults", opts: opts(nil)},
		{name: "canary", opts: opts(func(o *Options) { o.Mode, o.CanaryPercent = ModeCanary, 20 })},
		{name: "tag image", opts: opts(func(o *Options) { o.Image = "10.0.0.1:5000/app:latest" }), wantErr: "not pinned by digest"},
		{name: "short digest", opts: opts(func(o *Options) { o.Image = "app@sha256:abc" }), wantErr: "not pinned by digest"},
		{name: "no commit", opts: opts(func(o *Options) { o.Commit = "" }), wantErr: "commit or a revision suffix"},
		{name: "bad suffix", opts: opts(func(o *Options) { o.RevisionSuffix = "a_b" }), wantErr: "revision name"},
		{name: "bad service", opts: opts(func(o *Options) { o.Service = "Hello" }), wantErr: "service name"},
		{name: "bad mode", opts: opts(func(o *Options) { o.Mode = "blue" }), wantErr: `traffic mode "blue"`},
		{name: "canary 0", opts: opts(func(o *Options) { o.Mode = ModeCanary }), wantErr: "canary percent 0"},
		{name: "canary 100", opts: opts(func(o *Options) { o.Mode, o.CanaryPercent = ModeCanary, 100 }), wantErr: "canary percent 100"},
		{name: "bad tag", opts: opts(func(o *Options) { o.Mode, o.CanaryPercent, o.Tag = ModeCanary, 5, "Can ary" }), wantErr: "tag"},
		{name: "bad port", opts: opts(func(o *Options) { o.ContainerPort = -1 }), wantErr: "container port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.opts
			err := o.Validate()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestRevisionName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, commit, suffix, want string }{
		{name: "sha and digest", commit: "ABCDEF1234567", want: "hello-abcdef1-01234"},
		{name: "short sha", commit: "abc", want: "hello-abc-01234"},
		{name: "suffix wins", commit: "abcdef1", suffix: "v2", want: "hello-v2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := opts(func(o *Options) { o.Commit, o.RevisionSuffix = tc.commit, tc.suffix })
			got, err := o.RevisionName()
			if err != nil || got != tc.want {
				t.Fatalf("RevisionName() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestTraffic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		prev    string
		want    []interface{}
		wantErr string
	}{{
		name: "latest",
		opts: opts(nil),
		want: []interface{}{map[string]interface{}{"percent": int64(100), "latestRevision": true}},
	}, {
		name: "promote",
		opts: opts(func(o *Options) { o.Mode = ModePromote }),
		prev: "hello-old",
		want: []interface{}{map[string]interface{}{"percent": int64(100), "latestRevision": false, "revisionName": "hello-new"}},
	}, {
		name: "canary",
		opts: opts(func(o *Options) { o.Mode, o.CanaryPercent, o.Tag = ModeCanary, 20, "canary" }),
		prev: "hello-old",
		want: []interface{}{
			map[string]interface{}{"percent": int64(80), "latestRevision": false, "revisionName": "hello-old"},
			map[string]interface{}{"percent": int64(20), "latestRevision": false, "revisionName": "hello-new", "tag": "canary"},
		},
	}, {
		name:    "canary without previous",
		opts:    opts(func(o *Options) { o.Mode, o.CanaryPercent = ModeCanary, 20 }),
		wantErr: "needs a previous revision",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Traffic(tc.opts, "hello-new", tc.prev)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Traffic() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Traffic() (-want +got):\n%s", d)
			}
		})
	}
}

// svc builds a Service object from YAML-like maps.
func svc(status map[string]interface{}) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]interface{}{"name": "hello", "namespace": "ns", "generation": int64(2)},
		"status":   status,
	}}
	return u
}

func trafficStatus(pairs ...interface{}) []interface{} {
	var out []interface{}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, map[string]interface{}{"revisionName": pairs[i], "percent": int64(pairs[i+1].(int))})
	}
	return out
}

func TestPreviousRevision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		svc  *unstructured.Unstructured
		want string
	}{
		{name: "none", svc: nil, want: ""},
		{name: "largest share", svc: svc(map[string]interface{}{"traffic": trafficStatus("a", 30, "b", 70)}), want: "b"},
		{name: "skips new", svc: svc(map[string]interface{}{"traffic": trafficStatus("new", 80, "a", 20)}), want: "a"},
		{name: "latest ready", svc: svc(map[string]interface{}{"latestReadyRevisionName": "a"}), want: "a"},
		{name: "only new", svc: svc(map[string]interface{}{"latestReadyRevisionName": "new", "traffic": trafficStatus("new", 100)}), want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := PreviousRevision(tc.svc, "new"); got != tc.want {
				t.Errorf("PreviousRevision() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDesired(t *testing.T) {
	t.Parallel()
	created, changed, err := Desired(nil, opts(nil))
	if err != nil || !changed {
		t.Fatalf("Desired(nil) = changed %v, %v", changed, err)
	}
	want := map[string]interface{}{
		"template": map[string]interface{}{
			"metadata": map[string]interface{}{"name": "hello-abcdef1-01234"},
			"spec":     map[string]interface{}{"containers": []interface{}{map[string]interface{}{"image": image}}},
		},
		"traffic": []interface{}{map[string]interface{}{"percent": int64(100), "latestRevision": true}},
	}
	if d := cmp.Diff(want, created.Object["spec"]); d != "" {
		t.Errorf("spec (-want +got):\n%s", d)
	}
	if created.GetName() != "hello" || created.GetNamespace() != "ns" {
		t.Errorf("name = %s/%s", created.GetNamespace(), created.GetName())
	}

	// A stored copy with defaults Knative added: re-running changes nothing.
	stored := created.DeepCopy()
	_ = unstructured.SetNestedField(stored.Object, int64(300), "spec", "template", "spec", "timeoutSeconds")
	if _, changed, err := Desired(stored, opts(nil)); err != nil || changed {
		t.Errorf("re-run: changed = %v, err = %v; want unchanged", changed, err)
	}

	// A new commit changes the revision name and keeps the defaults.
	next, changed, err := Desired(stored, opts(func(o *Options) { o.Commit = "fedcba9" }))
	if err != nil || !changed {
		t.Fatalf("new commit: changed = %v, err = %v", changed, err)
	}
	if n, _, _ := unstructured.NestedString(next.Object, "spec", "template", "metadata", "name"); n != "hello-fedcba9-01234" {
		t.Errorf("revision = %q", n)
	}
	if v, _, _ := unstructured.NestedInt64(next.Object, "spec", "template", "spec", "timeoutSeconds"); v != 300 {
		t.Errorf("timeoutSeconds lost: %d", v)
	}
}

func TestDesiredPromoteKeepsTemplate(t *testing.T) {
	t.Parallel()
	canary, _, err := Desired(nil, opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := strings.Replace(image, "0123", "9999", 1)
	got, changed, err := Desired(canary, opts(func(o *Options) { o.Mode, o.Image = ModePromote, rebuilt }))
	if err != nil || !changed {
		t.Fatalf("Desired() changed %v, %v", changed, err)
	}
	if d := cmp.Diff(canary.Object["spec"].(map[string]interface{})["template"], got.Object["spec"].(map[string]interface{})["template"]); d != "" {
		t.Errorf("promote changed the template (-want +got):\n%s", d)
	}
}

func TestDesiredArgsAndPort(t *testing.T) {
	t.Parallel()
	got, _, err := Desired(nil, opts(func(o *Options) { o.Args, o.ContainerPort = []string{"httpd", "-f"}, 8081 }))
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := unstructured.NestedSlice(got.Object, "spec", "template", "spec", "containers")
	want := []interface{}{map[string]interface{}{"image": image, "args": []interface{}{"httpd", "-f"},
		"ports": []interface{}{map[string]interface{}{"containerPort": int64(8081)}}}}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("containers (-want +got):\n%s", d)
	}
}

func TestDesiredBadContainers(t *testing.T) {
	t.Parallel()
	bad := svc(nil)
	_ = unstructured.SetNestedSlice(bad.Object, []interface{}{"nope"}, "spec", "template", "spec", "containers")
	if _, _, err := Desired(bad, opts(nil)); err == nil || !strings.Contains(err.Error(), "containers[0]") {
		t.Fatalf("Desired() error = %v", err)
	}
}

func cond(status, reason, msg string) []interface{} {
	return []interface{}{map[string]interface{}{"type": "Ready", "status": status, "reason": reason, "message": msg}}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	readyTraffic := []interface{}{
		map[string]interface{}{"revisionName": "hello-old", "percent": int64(80)},
		map[string]interface{}{"revisionName": "hello-new", "percent": int64(20), "tag": "canary", "url": "http://canary-hello.ns.example"},
	}
	tests := []struct {
		name     string
		status   map[string]interface{}
		tag      string
		want     Result
		wantDone bool
		wantErr  string
	}{{
		name:   "old generation",
		status: map[string]interface{}{"observedGeneration": int64(1), "conditions": cond("True", "", "")},
	}, {
		name:   "unknown",
		status: map[string]interface{}{"observedGeneration": int64(2), "conditions": cond("Unknown", "IngressNotConfigured", "")},
	}, {
		name: "failed",
		status: map[string]interface{}{"observedGeneration": int64(2),
			"conditions": cond("False", "RevisionFailed", `Revision "hello-new" failed with message: Unable to fetch image.`)},
		wantErr: `RevisionFailed: Revision "hello-new" failed with message: Unable to fetch image.`,
	}, {
		name: "failed, configuration says why",
		status: map[string]interface{}{"observedGeneration": int64(2), "conditions": []interface{}{
			map[string]interface{}{"type": "ConfigurationsReady", "status": "False", "reason": "RevisionFailed", "message": `Revision "hello-new" failed with message: Back-off pulling image.`},
			map[string]interface{}{"type": "Ready", "status": "False", "reason": "RevisionMissing", "message": "Configuration does not have any ready Revision."},
		}},
		wantErr: `RevisionFailed: Revision "hello-new" failed with message: Back-off pulling image.`,
	}, {
		name: "ours not ready yet",
		status: map[string]interface{}{"observedGeneration": int64(2), "conditions": cond("True", "", ""),
			"latestReadyRevisionName": "hello-old", "latestCreatedRevisionName": "hello-new"},
	}, {
		name: "someone else's",
		status: map[string]interface{}{"observedGeneration": int64(2), "conditions": cond("True", "", ""),
			"latestReadyRevisionName": "hello-x", "latestCreatedRevisionName": "hello-x"},
		wantErr: "another writer",
	}, {
		name: "ready with tag",
		status: map[string]interface{}{"observedGeneration": int64(2), "conditions": cond("True", "", ""),
			"latestReadyRevisionName": "hello-new", "latestCreatedRevisionName": "hello-new",
			"url": "http://hello.ns.example", "traffic": readyTraffic},
		tag:      "canary",
		want:     Result{URL: "http://hello.ns.example", Revision: "hello-new", TagURL: "http://canary-hello.ns.example"},
		wantDone: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, done, err := Check(svc(tc.status), "hello-new", tc.tag)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Check() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || done != tc.wantDone {
				t.Fatalf("Check() = done %v, %v; want done %v", done, err, tc.wantDone)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Check() (-want +got):\n%s", d)
			}
		})
	}
}

// TestRevisionForRebuilds: a rebuild of a commit with another digest gets
// a Revision of its own (Knative refuses a changed template under an
// existing name), except under promote, which keeps the canary's.
func TestRevisionForRebuilds(t *testing.T) {
	t.Parallel()
	first, _, err := Desired(nil, opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := strings.Replace(image, "0123", "9999", 1)
	for _, tc := range []struct {
		mode     Mode
		want     string
		wantKeep bool
	}{
		{mode: ModeLatest, want: "hello-abcdef1-99994"},
		{mode: ModeCanary, want: "hello-abcdef1-99994"},
		{mode: ModePromote, want: "hello-abcdef1-01234", wantKeep: true},
	} {
		o := opts(func(o *Options) { o.Mode, o.Image, o.CanaryPercent = tc.mode, rebuilt, 10 })
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		rev, keep, err := revisionFor(first, o)
		if err != nil || rev != tc.want || keep != tc.wantKeep {
			t.Errorf("%s: revisionFor = %q, keep %v, %v; want %q, %v", tc.mode, rev, keep, err, tc.want, tc.wantKeep)
		}
	}
}
