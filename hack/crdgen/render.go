package main

import (
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1alpha1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	slipwayv1alpha1 "github.com/slipway-ci/slipway/pkg/apis/slipway/v1alpha1"
	"github.com/slipway-ci/slipway/pkg/crdschema"
)

// crd is one config file and the Go type of each of its versions.
type crd struct {
	file     string
	versions map[string]any
	// open are the paths left open in every version (copies of a spec in
	// the status, written by the controller only).
	open []string
	// note, if any, follows the header: what is true of this file only.
	note string
}

var crds = []crd{
	{file: "crd-tasks.yaml", versions: map[string]any{"v1": &v1.Task{}, "v1beta1": &v1beta1.Task{}}},
	{file: "crd-taskruns.yaml", versions: map[string]any{"v1": &v1.TaskRun{}, "v1beta1": &v1beta1.TaskRun{}},
		open: []string{"status.taskSpec"}},
	{file: "crd-pipelines.yaml", versions: map[string]any{"v1": &v1.Pipeline{}, "v1beta1": &v1beta1.Pipeline{}}},
	{file: "crd-pipelineruns.yaml", versions: map[string]any{"v1": &v1.PipelineRun{}, "v1beta1": &v1beta1.PipelineRun{}},
		open: []string{"status.pipelineSpec", "spec.pipelineSpec.tasks[].taskSpec", "spec.pipelineSpec.finally[].taskSpec"}},
	{file: "crd-stepactions.yaml", versions: map[string]any{"v1beta1": &v1beta1.StepAction{}, "v1alpha1": &v1alpha1.StepAction{}}},
	// One version, stored as written: no conversion.
	{file: "crd-customruns.yaml", versions: map[string]any{"v1beta1": &v1beta1.CustomRun{}}},
	// Slipway's own kind, written by its controller only.
	{file: "crd-logarchives.yaml", versions: map[string]any{"v1alpha1": &slipwayv1alpha1.LogArchive{}},
		note: "# LogArchives are Slipway's own kind, written by its controller only: no\n# webhook checks them and they have one version (docs/design.md D28).\n"},
}

const header = `# Generated in part by hack/crdgen: the openAPIV3Schema of each version
# comes from the Go types the controller decodes (pkg/crdschema), so the
# API server refuses a field of the wrong type. Edit anything else here and
# run "go run ./hack/crdgen" to refresh the schemas.
#
# Unknown fields are kept, not pruned: the admission webhook refuses them
# with their path for every client (docs/design.md D16). Of Tekton's kinds
# v1 is stored; other versions are converted by the webhook with Tekton's
# own functions, and the controller injects the caBundle (pkg/webhook/certs).
`

// render returns the CRD file old with every version's schema regenerated.
func render(old []byte, c crd) ([]byte, error) {
	var obj apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(old, &obj); err != nil {
		return nil, err
	}
	for i, v := range obj.Spec.Versions {
		goType, ok := c.versions[v.Name]
		if !ok {
			return nil, fmt.Errorf("version %s has no Go type in hack/crdgen", v.Name)
		}
		s, err := crdschema.For(goType, crdschema.Defaults(), c.open...)
		if err != nil {
			return nil, err
		}
		obj.Spec.Versions[i].Schema = &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: s}
	}
	return marshal(&obj, c.note)
}

// marshal writes obj as YAML without the fields only a server sets.
func marshal(obj *apiextensionsv1.CustomResourceDefinition, note string) ([]byte, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(header+note), out...), nil
}
