//go:build e2e

package e2e

import (
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
)

// checkPipelinesInPipelines (alpha, from TestFeatureFlagsLive): Tekton's
// pipelines in pipelines as its docs write them: a child by pipelineRef
// and one by pipelineSpec, with params and a workspace passed down, run
// as child PipelineRuns whose pods really run; the task after them reads
// what the children wrote into the shared workspace.
func (e *env) checkPipelinesInPipelines() {
	e.t.Helper()
	e.apply(`
metadata: {name: security-scans}
spec:
  params: [{name: repo}]
  workspaces: [{name: source}]
  tasks:
  - name: scorecards
    params: [{name: repo, value: $(params.repo)}]
    workspaces: [{name: source}]
    taskSpec:
      params: [{name: repo}]
      workspaces: [{name: source}]
      steps:
      - {name: scan, image: busybox, script: 'echo scanning; echo "scorecards of $(params.repo)" > $(workspaces.source.path)/scorecards'}
`, &pipelinev1.Pipeline{})
	e.apply(`
metadata: {name: clone-scan-notify}
spec:
  params: [{name: repo, value: https://git.example/app}]
  workspaces:
  - name: shared-ws
    volumeClaimTemplate:
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 16Mi}}
  pipelineSpec:
    params: [{name: repo}]
    workspaces: [{name: shared-ws}]
    tasks:
    - name: security-scans
      params: [{name: repo, value: $(params.repo)}]
      workspaces: [{name: source, workspace: shared-ws}]
      pipelineRef: {name: security-scans}
    - name: inline
      runAfter: [security-scans]
      params: [{name: word, value: checked}]
      workspaces: [{name: source, workspace: shared-ws}]
      pipelineSpec:
        params: [{name: word}]
        workspaces: [{name: source}]
        tasks:
        - name: mark
          params: [{name: word, value: $(params.word)}]
          workspaces: [{name: source}]
          taskSpec:
            params: [{name: word}]
            workspaces: [{name: source}]
            steps:
            - {name: mark, image: busybox, script: 'echo marking; echo $(params.word) > $(workspaces.source.path)/mark'}
    - name: notification
      runAfter: [inline]
      workspaces: [{name: source, workspace: shared-ws}]
      taskSpec:
        workspaces: [{name: source}]
        results: [{name: seen}]
        steps:
        - {name: read, image: busybox, script: 'echo reading; cat $(workspaces.source.path)/scorecards $(workspaces.source.path)/mark | tr "\n" " " > $(results.seen.path)'}
`, &pipelinev1.PipelineRun{})
	pr := e.waitPipelineRunDone("clone-scan-notify", 3*time.Minute)
	wantCondition(e.t, pr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	kinds := map[string]string{}
	for _, ref := range pr.Status.ChildReferences {
		kinds[ref.PipelineTaskName] = ref.Kind
	}
	if kinds["security-scans"] != "PipelineRun" || kinds["inline"] != "PipelineRun" || kinds["notification"] != "TaskRun" {
		e.t.Errorf("child references: %v", kinds)
	}
	for _, name := range []string{"clone-scan-notify-security-scans", "clone-scan-notify-inline"} {
		child := e.waitPipelineRunDone(name, time.Minute)
		wantCondition(e.t, child.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	}
	tr := e.waitTaskRunDone("clone-scan-notify-notification", time.Minute)
	want := "scorecards of https://git.example/app checked "
	if len(tr.Status.Results) != 1 || tr.Status.Results[0].Value.StringVal != want {
		e.t.Errorf("notification read %+v, want %q", tr.Status.Results, want)
	}
	// The CLI shows the children's tasks by their path, in the order they ran.
	out, _ := e.slipway("logs", "clone-scan-notify")
	wantLogs := "[security-scans/scorecards:scan] scanning\n[inline/mark:mark] marking\n[notification:read] reading\n"
	if !strings.HasPrefix(out, wantLogs) {
		e.t.Errorf("slipway logs:\n%s\nwant it to start with:\n%s", out, wantLogs)
	}
}
