//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/resolution/bundles"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// resolvedTask is a Task whose only step writes word to result "word"
// (after reading the previous task's word, if any).
func resolvedTask(name, word string) string {
	return fmt.Sprintf(`apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: %s
spec:
  params:
  - name: before
    default: ""
  results:
  - name: word
  steps:
  - name: say
    image: busybox
    script: |
      sleep ${SLEEP:-0}
      printf '%%s%s' "$(params.before)" > $(results.word.path)
    env:
    - name: SLEEP
      value: "%s"
`, name, word, sleepFor(name))
}

func sleepFor(task string) string {
	if task == "bundled" {
		return "3" // long enough to move the branch while the run is on its first task
	}
	return "0"
}

// remotePipeline is a Pipeline whose tasks come from a bundle, from another
// namespace (cluster resolver) and from git, in a chain.
func remotePipeline(bundle, otherNS, repoURL string) string {
	return fmt.Sprintf(`apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: remote-ci
spec:
  results:
  - name: words
    value: $(tasks.from-git.results.word)
  tasks:
  - name: from-bundle
    taskRef:
      resolver: bundles
      params:
      - {name: bundle, value: %s}
      - {name: name, value: bundled}
      - {name: kind, value: task}
  - name: from-cluster
    params:
    - {name: before, value: $(tasks.from-bundle.results.word)}
    taskRef:
      resolver: cluster
      params:
      - {name: kind, value: task}
      - {name: name, value: shared}
      - {name: namespace, value: %s}
  - name: from-git
    params:
    - {name: before, value: $(tasks.from-cluster.results.word)}
    taskRef:
      resolver: git
      params:
      - {name: url, value: %s}
      - {name: revision, value: main}
      - {name: pathInRepo, value: tasks/word.yaml}
`, bundle, otherNS, repoURL)
}

func gitPipelineRun(name, repoURL string) string {
	return fmt.Sprintf(`apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: %s
spec:
  pipelineRef:
    resolver: git
    params:
    - {name: url, value: %s}
    - {name: revision, value: main}
    - {name: pathInRepo, value: pipeline.yaml}
`, name, repoURL)
}

// TestRemoteResolution runs a PipelineRun whose pipelineRef comes from the
// local git server and whose tasks come from an OCI bundle in the local
// registry, from the catalog namespace (cluster resolver) and from git;
// moves the branch while a run is on its first task (the run keeps what it
// resolved); runs it 20 more times (each ref is fetched once: the metric
// says so); and refuses a task from a namespace the policy does not allow.
func TestRemoteResolution(t *testing.T) {
	e := newEnv(t)
	nodeAddr, _, _ := strings.Cut(gitServer(t), ":")
	bundleRef := pushBundle(t, e, nodeAddr)
	catalogNS := ensureCatalogTask(t, e)
	repo, repoURL := remoteRepo(t, e, bundleRef, catalogNS)

	before := resolutionMetrics(t, e)
	first := &pipelinev1.PipelineRun{}
	e.apply(gitPipelineRun("moving", repoURL), first)
	e.waitFor("the first run to start its first task", 2*time.Minute, func(ctx context.Context) (bool, error) {
		var pr pipelinev1.PipelineRun
		err := e.c.Get(ctx, types.NamespacedName{Namespace: e.ns, Name: "moving"}, &pr)
		return err == nil && pr.Status.PipelineSpec != nil, nil
	})
	if _, err := repo.Commit("v2", map[string]string{"tasks/word.yaml": resolvedTask("word", "-git-v2")}); err != nil {
		t.Fatal(err)
	}
	pr := e.waitPipelineRunDone("moving", 3*time.Minute)
	wantCondition(t, pr.Status.GetCondition("Succeeded"), corev1.ConditionTrue, "Succeeded")
	if got := pipelineResult(pr, "words"); got != "bundle-cluster-git-v1" {
		t.Errorf("the run that started before the branch moved got %q, want bundle-cluster-git-v1", got)
	}
	checkProvenance(t, e, pr)

	for i := range 20 {
		e.apply(gitPipelineRun("again-"+strconv.Itoa(i), repoURL), &pipelinev1.PipelineRun{})
	}
	for i := range 20 {
		pr := e.waitPipelineRunDone("again-"+strconv.Itoa(i), 5*time.Minute)
		wantCondition(t, pr.Status.GetCondition("Succeeded"), corev1.ConditionTrue, "Succeeded")
		if got := pipelineResult(pr, "words"); got != "bundle-cluster-git-v2" {
			t.Errorf("run again-%d got %q, want bundle-cluster-git-v2", i, got)
		}
	}
	after := resolutionMetrics(t, e)
	checkFetchedOnce(t, before, after)
	refusedNamespace(t, e, bundleRef)
	taskRunRefs(t, e, repoURL, bundleRef)
}

// taskRunRefs: a TaskRun's taskRef from git and a step's StepAction ref
// from a bundle run; an unknown revision fails the TaskRun at once with
// Tekton's reason and the resolver's words.
func taskRunRefs(t *testing.T, e *env, repoURL, bundleRef string) {
	t.Helper()
	ctx := context.Background()
	saRef, err := name.ParseReference(hostRegistry+"/e2e/"+e.ns+"-actions:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	action := "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata: {name: hello}\nspec:\n  image: busybox\n  script: echo hello from a bundled StepAction\n"
	if _, err := bundles.Push(ctx, saRef, [][]byte{[]byte(action)}); err != nil {
		t.Fatal(err)
	}
	nodeBundle := strings.SplitN(bundleRef, "/", 2)[0] + "/e2e/" + e.ns + "-actions:v1"
	doc := fmt.Sprintf(`apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: %%s
spec:
  taskRef:
    resolver: git
    params:
    - {name: url, value: %s}
    - {name: revision, value: %%s}
    - {name: pathInRepo, value: tasks/word.yaml}
`, repoURL)
	e.apply(fmt.Sprintf(doc, "from-git", "main"), &pipelinev1.TaskRun{})
	e.apply(fmt.Sprintf(doc, "no-such-revision", "nope"), &pipelinev1.TaskRun{})
	e.apply(fmt.Sprintf(`apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  name: step-action
spec:
  taskSpec:
    steps:
    - name: hello
      ref:
        resolver: bundles
        params:
        - {name: bundle, value: %s}
        - {name: name, value: hello}
        - {name: kind, value: stepaction}
`, nodeBundle), &pipelinev1.TaskRun{})
	tr := e.waitTaskRunDone("from-git", 2*time.Minute)
	wantCondition(t, tr.Status.GetCondition("Succeeded"), corev1.ConditionTrue, "Succeeded")
	if p := tr.Status.Provenance; p == nil || p.RefSource == nil || p.RefSource.EntryPoint != "tasks/word.yaml" {
		t.Errorf("provenance = %s", e.dump(p))
	}
	tr = e.waitTaskRunDone("no-such-revision", time.Minute)
	c := tr.Status.GetCondition("Succeeded")
	wantCondition(t, c, corev1.ConditionFalse, "TaskRunResolutionFailed")
	if !strings.Contains(c.Message, `resolving Task with resolver "git"`) || !strings.Contains(c.Message, `"nope"`) {
		t.Errorf("message = %q, want the resolver and the revision named", c.Message)
	}
	tr = e.waitTaskRunDone("step-action", 2*time.Minute)
	wantCondition(t, tr.Status.GetCondition("Succeeded"), corev1.ConditionTrue, "Succeeded")
	if got := e.logs(tr.Status.PodName, "step-hello"); !strings.Contains(got, "hello from a bundled StepAction") {
		t.Errorf("step log = %q", got)
	}
}

// pushBundle publishes Task "bundled" as a Tekton bundle in the local
// registry and returns its reference as pods (and the controller) see it.
func pushBundle(t *testing.T, e *env, nodeAddr string) string {
	t.Helper()
	ref, err := name.ParseReference(hostRegistry+"/e2e/"+e.ns+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundles.Push(context.Background(), ref, [][]byte{[]byte(resolvedTask("bundled", "bundle"))}); err != nil {
		t.Fatalf("pushing the bundle: %v", err)
	}
	return nodeAddr + ":5000/e2e/" + e.ns + ":v1"
}

// ensureCatalogTask creates Task "shared" in the catalog namespace, which
// every run may use by default, and returns the namespace.
func ensureCatalogTask(t *testing.T, e *env) string {
	t.Helper()
	const ns = "slipway-catalog"
	ctx := context.Background()
	err := e.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if err != nil && !isAlreadyExists(err) {
		t.Fatal(err)
	}
	var task pipelinev1.Task
	if err := yaml.UnmarshalStrict([]byte(strings.Replace(resolvedTask("shared", "-cluster"), "v1beta1", "v1", 1)), &task); err != nil {
		t.Fatal(err)
	}
	task.Namespace = ns
	if err := e.c.Create(ctx, &task); err != nil && !isAlreadyExists(err) {
		t.Fatal(err)
	}
	return ns
}

// remoteRepo creates a repository on the test git server holding the
// pipeline and the git task (word "-git-v1").
func remoteRepo(t *testing.T, e *env, bundleRef, catalogNS string) (*gitserver.Repo, string) {
	t.Helper()
	repoName := "resolution-" + e.ns
	repoURL := "http://" + gitServer(t) + "/" + repoName
	repo, err := gitserver.Init(filepath.Join(gitRoot(t), repoName))
	if err != nil {
		t.Fatal(err)
	}
	_, err = repo.Commit("v1", map[string]string{
		"pipeline.yaml":   remotePipeline(bundleRef, catalogNS, repoURL),
		"tasks/word.yaml": resolvedTask("word", "-git-v1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return repo, repoURL
}

// checkProvenance: the PipelineRun records the git commit of its pipeline,
// each TaskRun where its Task came from.
func checkProvenance(t *testing.T, e *env, pr *pipelinev1.PipelineRun) {
	t.Helper()
	if p := pr.Status.Provenance; p == nil || p.RefSource == nil || len(p.RefSource.Digest["sha1"]) != 40 ||
		p.RefSource.EntryPoint != "pipeline.yaml" {
		t.Errorf("PipelineRun provenance = %s, want the git commit and pipeline.yaml", e.dump(pr.Status.Provenance))
	}
	var trs pipelinev1.TaskRunList
	if err := e.c.List(context.Background(), &trs, client.InNamespace(e.ns),
		client.MatchingLabels{"tekton.dev/pipelineRun": pr.Name}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"from-bundle": "sha256", "from-cluster": "sha256", "from-git": "sha1"}
	for _, tr := range trs.Items {
		task := tr.Labels["tekton.dev/pipelineTask"]
		p := tr.Status.Provenance
		if p == nil || p.RefSource == nil || p.RefSource.Digest[want[task]] == "" {
			t.Errorf("TaskRun %s (%s) provenance = %s, want a %s digest", tr.Name, task, e.dump(p), want[task])
		}
		if tr.Labels["tekton.dev/task"] == "" {
			t.Errorf("TaskRun %s has no tekton.dev/task label", tr.Name)
		}
	}
	if len(trs.Items) != 3 {
		t.Errorf("%d TaskRuns, want 3", len(trs.Items))
	}
}

// resolutionMetrics reads the controller's resolution counters through the
// API server's pod proxy: name{labels} -> value.
func resolutionMetrics(t *testing.T, e *env) map[string]float64 {
	t.Helper()
	ctx := context.Background()
	pods, err := e.kube.CoreV1().Pods("slipway").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=slipway-controller"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("listing controller pods: %v (%d)", err, len(pods.Items))
	}
	out := map[string]float64{}
	for _, pod := range pods.Items {
		body, err := e.kube.CoreV1().Pods("slipway").ProxyGet("http", pod.Name, "9090", "/metrics", nil).Stream(ctx)
		if err != nil {
			t.Fatalf("reading metrics of %s: %v", pod.Name, err)
		}
		data, _ := io.ReadAll(body)
		_ = body.Close()
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(line, "slipway_resolution_") || strings.Contains(line, "duration") {
				continue
			}
			k, v, _ := strings.Cut(line, " ")
			f, _ := strconv.ParseFloat(v, 64)
			out[k] += f
		}
	}
	return out
}

// checkFetchedOnce: 21 runs of a pipeline with 2 git refs and 1 bundle
// ref fetched each (ref, commit) once: 4 git fetches (the pipeline and the
// task at each of the two commits), one bundle fetch; every other
// resolution is a cache hit.
func checkFetchedOnce(t *testing.T, before, after map[string]float64) {
	t.Helper()
	delta := func(k string) float64 { return after[k] - before[k] }
	gitFetches := delta(`slipway_resolution_fetches_total{outcome="ok",resolver="git"}`)
	bundleFetches := delta(`slipway_resolution_fetches_total{outcome="ok",resolver="bundles"}`)
	hits := delta(`slipway_resolution_cache_hits_total{resolver="git"}`) + delta(`slipway_resolution_cache_hits_total{resolver="bundles"}`)
	t.Logf("resolution: %v git fetches, %v bundle fetches, %v cache hits", gitFetches, bundleFetches, hits)
	if gitFetches > 4 || bundleFetches > 1 {
		t.Errorf("fetched %v times from git and %v from the registry, want at most 4 and 1 (metrics %v)", gitFetches, bundleFetches, after)
	}
	if hits < 20 {
		t.Errorf("%v cache hits, want at least 20", hits)
	}
}

// refusedNamespace: a task from a namespace that is neither the run's nor
// the catalog's fails the PipelineRun, naming the policy.
func refusedNamespace(t *testing.T, e *env, bundleRef string) {
	t.Helper()
	doc := fmt.Sprintf(`apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: refused
spec:
  pipelineSpec:
    tasks:
    - name: private
      taskRef:
        resolver: cluster
        params:
        - {name: kind, value: task}
        - {name: name, value: shared}
        - {name: namespace, value: kube-system}
    - name: fine
      taskRef:
        resolver: bundles
        params:
        - {name: bundle, value: %s}
        - {name: name, value: bundled}
`, bundleRef)
	e.apply(doc, &pipelinev1.PipelineRun{})
	pr := e.waitPipelineRunDone("refused", time.Minute)
	c := pr.Status.GetCondition("Succeeded")
	wantCondition(t, c, corev1.ConditionFalse, "CouldntGetTask")
	if !strings.Contains(c.Message, `namespace "kube-system" is not the run's namespace nor the catalog namespace`) {
		t.Errorf("message = %q, want the namespace policy named", c.Message)
	}
}
