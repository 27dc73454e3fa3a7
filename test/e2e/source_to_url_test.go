//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/slipway-ci/slipway/test/gitserver"
)

// s2u is one source-to-url rollout of the test's own sample app repository.
type s2u struct {
	e       *env
	repo    string // git URL
	image   string // repository pushed to
	service string
}

// A commit becomes a URL, all through the catalog's source-to-url Pipeline:
// main at v1 → the URL serves v1; main moves to v2 → a 20% canary with a tag
// whose URL serves v2 while the main URL serves both; promote → 100% v2.
func TestSourceToURLCanaryAndPromote(t *testing.T) {
	t.Parallel()
	skipWithoutKnative(t)
	e := newEnv(t)
	e.installCatalog(repoRoot(t))
	dir, app := createSampleApp(t, e.ns)
	s := &s2u{
		e:       e,
		repo:    fmt.Sprintf("http://%s/%s", gitServer(t), filepath.Base(dir)),
		image:   podRegistry(t) + "/e2e/" + e.ns,
		service: "hello",
	}
	pr := s.run("v1", "latest")
	url := pipelineResult(pr, "URL")
	v1Rev := wantRevision(t, pr, s.service, app.V1)
	e.wantCLILogs(pr.Name, "[fetch:clone] ", "[build:build-and-push] ", "[deploy:deploy] ", "URL = "+url)
	if got := e.fetchURL(url); got != gitserver.SamplePage("v1") {
		t.Fatalf("v1: %s serves %q, want the v1 page", url, got)
	}
	s.wantTraffic(map[string]int64{v1Rev: 100}, nil)

	repo, err := gitserver.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.SetRef("main", app.V2); err != nil {
		t.Fatal(err)
	}
	pr = s.run("canary", "canary")
	v2Rev := wantRevision(t, pr, s.service, app.V2)
	tag := pipelineResult(pr, "TAG_URL")
	if got := e.fetchURL(tag); got != gitserver.SamplePage("v2") {
		t.Fatalf("canary: tag URL %q serves %q, want the v2 page", tag, got)
	}
	s.wantTraffic(map[string]int64{v1Rev: 80, v2Rev: 20}, map[string]string{v2Rev: "canary"})
	if v1, v2 := e.split(url, 60); v1 == 0 || v2 == 0 || v2 > 30 {
		t.Errorf("canary: of 60 requests to %s, %d served v1 and %d v2; want both, v2 about 20%%", url, v1, v2)
	}

	// Promote rebuilds the commit (perhaps into another digest) and sends
	// all traffic to the Revision the canary ran.
	pr = s.run("promote", "promote")
	wantResult(t, pr, "REVISION", v2Rev)
	s.wantTraffic(map[string]int64{v2Rev: 100}, nil)
	if v1, v2 := e.split(url, 20); v1 != 0 || v2 != 20 {
		t.Errorf("promoted: of 20 requests to %s, %d served v1 and %d v2; want all v2", url, v1, v2)
	}
}

// createSampleApp creates the sample app repository (main at v1) in the test
// git server's root for this test only; its Dockerfile is FROM the local
// base image.
func createSampleApp(t *testing.T, name string) (string, gitserver.SampleApp) {
	t.Helper()
	dir := filepath.Join(gitRoot(t), name)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	app, err := gitserver.CreateSampleApp(dir, podRegistry(t)+"/slipway/base:latest")
	if err != nil {
		t.Fatalf("creating the sample app in %s: %v", dir, err)
	}
	return dir, app
}

// run creates a source-to-url PipelineRun of main with the traffic mode and
// waits until it succeeded.
func (s *s2u) run(name, mode string) *pipelinev1.PipelineRun {
	s.e.t.Helper()
	var pr pipelinev1.PipelineRun
	start := time.Now()
	s.e.apply(fmt.Sprintf(`
metadata: {name: %s}
spec:
  pipelineRef: {name: source-to-url}
  taskRunTemplate: {serviceAccountName: kservice-deployer}
  params:
  - {name: git-url, value: %q}
  - {name: git-revision, value: main}
  - {name: image, value: %q}
  - {name: service, value: %s}
  - {name: traffic-mode, value: %s}
  - {name: canary-percent, value: "20"}
  - {name: tag, value: canary}
  - {name: kaniko-extra-args, value: [%q]}
  workspaces:
  - name: source
    volumeClaimTemplate:
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
`, name, s.repo, s.image, s.service, mode, "--insecure-registry="+strings.SplitN(s.image, "/", 2)[0]), &pr)
	got := s.e.waitPipelineRunDone(name, catalogRunTimeout)
	s.e.wantSucceeded(runObject(&pr), got.Status.GetCondition(apis.ConditionSucceeded))
	s.e.t.Logf("source to URL (%s): PipelineRun %s succeeded %s after its creation", mode, name,
		time.Since(start).Round(10*time.Millisecond))
	return got
}

func runObject(pr *pipelinev1.PipelineRun) *unstructured.Unstructured {
	o := &unstructured.Unstructured{}
	o.SetKind("PipelineRun")
	o.SetName(pr.Name)
	return o
}

func wantResult(t *testing.T, pr *pipelinev1.PipelineRun, name, want string) {
	t.Helper()
	if got := pipelineResult(pr, name); got != want {
		t.Errorf("PipelineRun %s: result %s = %q, want %q", pr.Name, name, got, want)
	}
}

// wantRevision checks that the run's REVISION is <service>-<commit 7>-<5
// of the image digest> and returns it.
func wantRevision(t *testing.T, pr *pipelinev1.PipelineRun, service, commit string) string {
	t.Helper()
	rev := pipelineResult(pr, "REVISION")
	_, digest, _ := strings.Cut(pipelineResult(pr, "IMAGE"), "@sha256:")
	if len(digest) < 5 || rev != service+"-"+commit[:7]+"-"+digest[:5] {
		t.Errorf("REVISION = %q, want %s-%s-<5 of the digest %q>", rev, service, commit[:7], digest)
	}
	return rev
}

// wantTraffic checks the Knative Service's status.traffic: percent and tag
// by Revision.
func (s *s2u) wantTraffic(percent map[string]int64, tags map[string]string) {
	s.e.t.Helper()
	ksvc := &unstructured.Unstructured{}
	ksvc.SetGroupVersionKind(schema.GroupVersionKind{Group: "serving.knative.dev", Version: "v1", Kind: "Service"})
	if err := s.e.c.Get(context.Background(), client.ObjectKey{Namespace: s.e.ns, Name: s.service}, ksvc); err != nil {
		s.e.t.Fatalf("getting Knative Service %s: %v", s.service, err)
	}
	traffic, _, _ := unstructured.NestedSlice(ksvc.Object, "status", "traffic")
	gotPercent, gotTags := map[string]int64{}, map[string]string{}
	for _, tt := range traffic {
		m, _ := tt.(map[string]any)
		rev, _ := m["revisionName"].(string)
		p, _ := m["percent"].(int64)
		gotPercent[rev] += p
		if tag, _ := m["tag"].(string); tag != "" {
			gotTags[rev] = tag
		}
	}
	for rev, p := range gotPercent {
		if p == 0 {
			delete(gotPercent, rev)
		}
	}
	if tags == nil {
		tags = map[string]string{}
	}
	if fmt.Sprint(gotPercent) != fmt.Sprint(percent) || fmt.Sprint(gotTags) != fmt.Sprint(tags) {
		s.e.t.Errorf("Knative Service %s traffic: percent %v tags %v, want %v %v\n%s",
			s.service, gotPercent, gotTags, percent, tags, s.e.dump(traffic))
	}
}

// split GETs url n times and counts the v1 and v2 pages.
func (e *env) split(url string, n int) (v1, v2 int) {
	e.t.Helper()
	for range n {
		switch body := e.fetchURL(url); body {
		case gitserver.SamplePage("v1"):
			v1++
		case gitserver.SamplePage("v2"):
			v2++
		default:
			e.t.Errorf("%s served %q", url, body)
		}
	}
	return v1, v2
}
