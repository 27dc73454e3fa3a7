//go:build e2e

package e2e

import (
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
)

// checkStepCEL (from TestFeatureFlagsLive, enable-cel-in-whenexpression
// on): a step's when with CEL, over a param and over an earlier step's
// result, decides whether the step runs, as Tekton's docs write it;
// celwhen, installed beside the entrypoint, evaluates it in the pod.
func (e *env) checkStepCEL() {
	e.t.Helper()
	e.apply(`
metadata: {name: stepcel}
spec:
  params: [{name: env, value: prod}]
  taskSpec:
    params: [{name: env}]
    results: [{name: ran}]
    steps:
    - name: produce
      image: busybox
      results: [{name: kind}]
      script: printf release > $(step.results.kind.path)
    - name: on-prod
      image: busybox
      when: [{cel: "'$(params.env)' == 'prod'"}]
      script: printf on-prod, >> $(results.ran.path)
    - name: on-dev
      image: busybox
      when: [{cel: "'$(params.env)' in ['dev', 'qa']"}]
      script: printf on-dev, >> $(results.ran.path)
    - name: on-release
      image: busybox
      when: [{cel: "'$(steps.produce.results.kind)' == 'release'"}]
      script: printf on-release >> $(results.ran.path)
`, &pipelinev1.TaskRun{})
	tr := e.waitTaskRunDone("stepcel", 2*time.Minute)
	wantCondition(e.t, tr.Status.GetCondition(apis.ConditionSucceeded), corev1.ConditionTrue, "Succeeded")
	if len(tr.Status.Results) != 1 || tr.Status.Results[0].Value.StringVal != "on-prod,on-release" {
		e.t.Errorf("steps that ran: %+v, want on-prod and on-release", tr.Status.Results)
	}
	for _, s := range tr.Status.Steps {
		if s.Name == "on-dev" && s.TerminationReason != "Skipped" {
			e.t.Errorf("on-dev: %+v, want Skipped", s)
		}
	}
}
