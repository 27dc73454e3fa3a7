package resolution

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1alpha1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Decoded resolved objects: a name and a spec in the version Slipway works
// with (v1; v1beta1 for StepActions, their storage version).
type (
	// ResolvedTask is a Task fetched by a resolver.
	ResolvedTask struct {
		Name      string
		Spec      *v1.TaskSpec
		RefSource *v1.RefSource
	}
	// ResolvedPipeline is a Pipeline fetched by a resolver.
	ResolvedPipeline struct {
		Name      string
		Spec      *v1.PipelineSpec
		RefSource *v1.RefSource
	}
)

// DecodeTask reads a v1 or v1beta1 Task from resolved content, strictly
// (an unknown field is an error, as at kubectl apply).
func DecodeTask(ctx context.Context, res *Resolved) (*ResolvedTask, error) {
	tm, err := typeOf(res.Data, "Task")
	if err != nil {
		return nil, err
	}
	var t v1.Task
	switch tm.APIVersion {
	case "tekton.dev/v1":
		err = unmarshalStrict(res.Data, &t)
	case "tekton.dev/v1beta1":
		var b v1beta1.Task
		if err = unmarshalStrict(res.Data, &b); err == nil {
			err = b.ConvertTo(ctx, &t)
		}
	default:
		return nil, unsupportedVersion(tm, "tekton.dev/v1 or tekton.dev/v1beta1")
	}
	if err != nil {
		return nil, fmt.Errorf("decoding the resolved Task: %w", err)
	}
	return &ResolvedTask{Name: t.Name, Spec: &t.Spec, RefSource: res.RefSource}, nil
}

// DecodePipeline reads a v1 or v1beta1 Pipeline from resolved content.
func DecodePipeline(ctx context.Context, res *Resolved) (*ResolvedPipeline, error) {
	tm, err := typeOf(res.Data, "Pipeline")
	if err != nil {
		return nil, err
	}
	var p v1.Pipeline
	switch tm.APIVersion {
	case "tekton.dev/v1":
		err = unmarshalStrict(res.Data, &p)
	case "tekton.dev/v1beta1":
		var b v1beta1.Pipeline
		if err = unmarshalStrict(res.Data, &b); err == nil {
			err = b.ConvertTo(ctx, &p)
		}
	default:
		return nil, unsupportedVersion(tm, "tekton.dev/v1 or tekton.dev/v1beta1")
	}
	if err != nil {
		return nil, fmt.Errorf("decoding the resolved Pipeline: %w", err)
	}
	return &ResolvedPipeline{Name: p.Name, Spec: &p.Spec, RefSource: res.RefSource}, nil
}

// DecodeStepAction reads a v1beta1 or v1alpha1 StepAction.
func DecodeStepAction(ctx context.Context, res *Resolved) (*v1beta1.StepActionSpec, error) {
	tm, err := typeOf(res.Data, "StepAction")
	if err != nil {
		return nil, err
	}
	var sa v1beta1.StepAction
	switch tm.APIVersion {
	case "tekton.dev/v1beta1":
		err = unmarshalStrict(res.Data, &sa)
	case "tekton.dev/v1alpha1":
		var a v1alpha1.StepAction
		if err = unmarshalStrict(res.Data, &a); err == nil {
			err = a.ConvertTo(ctx, &sa)
		}
	default:
		return nil, unsupportedVersion(tm, "tekton.dev/v1beta1 or tekton.dev/v1alpha1")
	}
	if err != nil {
		return nil, fmt.Errorf("decoding the resolved StepAction: %w", err)
	}
	return &sa.Spec, nil
}

// typeOf reads the content's apiVersion and kind and checks the kind.
func typeOf(data []byte, want string) (metav1.TypeMeta, error) {
	var obj struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return obj.TypeMeta, fmt.Errorf("the resolved content is not a YAML or JSON object: %w", err)
	}
	if obj.Kind != want {
		what := fmt.Sprintf("a %s (%s) named %q", obj.Kind, obj.APIVersion, obj.Metadata.Name)
		if obj.Kind == "" {
			what = "an object with no kind"
		}
		return obj.TypeMeta, fmt.Errorf("%w: the resolved object is %s, not a %s", ErrWrongKind, what, want)
	}
	return obj.TypeMeta, nil
}

func unsupportedVersion(tm metav1.TypeMeta, want string) error {
	return fmt.Errorf("%w: the resolved %s has apiVersion %q, want %s", ErrWrongKind, tm.Kind, tm.APIVersion, want)
}

// unmarshalStrict decodes YAML or JSON into obj, refusing unknown and
// duplicate fields with their path, as the admission webhook does.
func unmarshalStrict(data []byte, obj any) error {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	strict, err := sigsjson.UnmarshalStrict(j, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}
