package config

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFromConfigMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    map[string]string
		want    func(*Config)
		wantErr string
	}{
		{name: "empty keeps defaults", data: nil, want: func(*Config) {}},
		{name: "all keys", data: map[string]string{
			"default-timeout": "10m", "default-service-account": "builder",
			"entrypoint-image": "r/e@sha256:1", "entrypoint-mode": "node", "entrypoint-host-path": "/x",
			"registry-mirrors":    "index.docker.io=10.0.0.1:5000, gcr.io=10.0.0.1:5000",
			"insecure-registries": "10.0.0.1:5000", "max-matrix-combinations": "10",
			"pod-unschedulable-timeout": "0", "log-archive-repository": "10.0.0.1:5000/logs/",
		}, want: func(c *Config) {
			c.DefaultTimeout = 10 * time.Minute
			c.DefaultServiceAccount = "builder"
			c.EntrypointImage = "r/e@sha256:1"
			c.EntrypointMode = EntrypointModeNode
			c.EntrypointHostPath = "/x"
			c.RegistryMirrors = map[string]string{"index.docker.io": "10.0.0.1:5000", "gcr.io": "10.0.0.1:5000"}
			c.InsecureRegistries = []string{"10.0.0.1:5000"}
			c.MaxMatrixCombinations = 10
			c.PodUnschedulableTimeout = 0
			c.LogArchiveRepository = "10.0.0.1:5000/logs"
		}},
		{name: "archive with a scheme", data: map[string]string{"log-archive-repository": "http://r/logs"}, wantErr: "without a scheme"},
		{name: "archive not a repository", data: map[string]string{"log-archive-repository": "R/Logs"}, wantErr: "log-archive-repository"},
		{name: "negative grace", data: map[string]string{"pod-unschedulable-timeout": "-1s"}, wantErr: "pod-unschedulable-timeout"},
		{name: "bad duration", data: map[string]string{"default-timeout": "soon"}, wantErr: "default-timeout"},
		{name: "bad mode", data: map[string]string{"entrypoint-mode": "magic"}, wantErr: "entrypoint-mode"},
		{name: "bad mirror", data: map[string]string{"registry-mirrors": "a"}, wantErr: "host=mirror"},
		{name: "unknown key", data: map[string]string{"defualt-timeout": "1m"}, wantErr: "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := FromConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName}, Data: tc.data})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tc.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestConcurrencyLimits(t *testing.T) {
	t.Parallel()
	c, err := FromConfigMap(cm(ConfigMapName, map[string]string{"concurrency-limits": "- {name: deploys, max: 1, groupBy: [branch]}"}))
	if err != nil || len(c.ConcurrencyLimits) != 1 || c.ConcurrencyLimits[0].Max != 1 {
		t.Fatalf("limits = %+v, %v", c, err)
	}
	if _, err := FromConfigMap(cm(ConfigMapName, map[string]string{"concurrency-limits": "- {name: x, max: 0}"})); err == nil ||
		!strings.Contains(err.Error(), "concurrency-limits") {
		t.Errorf("a bad limit: %v, want an error naming the key", err)
	}
}

func TestPrunePolicies(t *testing.T) {
	t.Parallel()
	c, err := FromConfigMap(cm(ConfigMapName, map[string]string{
		"prune-keep-successful": "10",
		"prune-logs-ttl":        "720h",
		"prune-policies": `
- {name: team-a, namespace: team-a, keepSuccessful: 2, ttl: 24h, logsTTL: 48h}
- {name: nightly, kind: PipelineRun, pipeline: nightly, keepFailed: 1}
- {name: previews, selector: {matchLabels: {preview: "true"}}, ttl: 1h}
`}))
	if err != nil {
		t.Fatal(err)
	}
	show := func(p Pruning) string {
		n := func(v *int) string {
			if v == nil {
				return "all"
			}
			return strconv.Itoa(*v)
		}
		return n(p.KeepSuccessful) + "/" + n(p.KeepFailed) + "/" + p.TTL.String() + "/" + p.LogsTTL.String()
	}
	for _, tc := range []struct {
		kind, ns, name string
		labels         map[string]string
		want           string
	}{
		{"PipelineRun", "team-a", "build", nil, "2/all/24h0m0s/48h0m0s"},
		{"TaskRun", "team-a", "lint", nil, "2/all/24h0m0s/48h0m0s"},
		{"PipelineRun", "team-b", "nightly", nil, "10/1/0s/720h0m0s"},
		{"TaskRun", "team-b", "nightly", nil, "10/all/0s/720h0m0s"},
		{"PipelineRun", "team-b", "deploy", map[string]string{"preview": "true"}, "10/all/1h0m0s/720h0m0s"},
		{"PipelineRun", "team-b", "deploy", nil, "10/all/0s/720h0m0s"},
	} {
		if got := show(c.PruningFor(tc.kind, tc.ns, tc.name, tc.labels)); got != tc.want {
			t.Errorf("PruningFor(%s %s/%s %v) = %s, want %s", tc.kind, tc.ns, tc.name, tc.labels, got, tc.want)
		}
	}
	for _, bad := range []string{"- {keepSuccessful: 1}", "- {name: x, ttl: soon}", "- {name: x, kind: Pod}", "- {name: x, keepFailed: -1}", "- {name: x, keep: 1}", "- {name: x, logsTTL: -1h}"} {
		if _, err := FromConfigMap(cm(ConfigMapName, map[string]string{"prune-policies": bad})); err == nil {
			t.Errorf("prune-policies %q was accepted", bad)
		}
	}
}

func TestPruningOver(t *testing.T) {
	t.Parallel()
	ten := 10
	base := Pruning{KeepSuccessful: &ten}
	for _, tc := range []struct {
		name    string
		ann     map[string]string
		want    string // keepSuccessful/ttl/logsTTL
		wantErr string
	}{
		{"no annotations", nil, "10/0s/0s", ""},
		{"override", map[string]string{"slipway.dev/prune-keep-successful": "2", "slipway.dev/prune-ttl": "1h",
			"slipway.dev/prune-logs-ttl": "72h", "other": "x", "slipway.dev/approve": "y"}, "2/1h0m0s/72h0m0s", ""},
		{"bad value", map[string]string{"slipway.dev/prune-keep-failed": "-1"}, "10/0s/0s", "slipway.dev/prune-keep-failed: must not be negative"},
		{"bad logs ttl", map[string]string{"slipway.dev/prune-logs-ttl": "soon"}, "10/0s/0s", "slipway.dev/prune-logs-ttl"},
		{"unknown", map[string]string{"slipway.dev/prune-forever": "1"}, "10/0s/0s", "slipway.dev/prune-forever: unknown pruning annotation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := base.Over(tc.ann)
			if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if s := strconv.Itoa(*got.KeepSuccessful) + "/" + got.TTL.String() + "/" + got.LogsTTL.String(); s != tc.want {
				t.Errorf("Over = %s, want %s", s, tc.want)
			}
		})
	}
}
