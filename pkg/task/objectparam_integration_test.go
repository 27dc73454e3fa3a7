package task

import (
	"encoding/base64"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

// An object param given in part keeps the run's keys over the defaults
// (Tekton's validation merges defaults into the given map in place; it must
// not leak into the pod).
func TestObjectParamPartialValue(t *testing.T) {
	maybeSkip(t)
	ns := newNamespace(t)
	apply(t, ns, &v1.TaskRun{}, `
metadata: {name: r}
spec:
  params:
  - {name: repo, value: {url: u}}
  taskSpec:
    params:
    - name: repo
      type: object
      properties: {url: {type: string}, branch: {type: string}}
      default: {url: d, branch: main}
    steps:
    - {name: s, image: busybox, script: 'echo $(params.repo.url)'}
`)
	pod := waitForPod(t, ns, "r-pod")
	args := pod.Spec.Containers[0].Args
	for i, a := range args {
		if a == "-script" {
			b, _ := base64.StdEncoding.DecodeString(args[i+1])
			if !strings.Contains(string(b), "echo u") {
				t.Errorf("script = %q, want the run's url (u), not the default (d)", b)
			}
		}
	}
}
