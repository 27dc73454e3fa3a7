package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	sigsjson "sigs.k8s.io/json"

	"github.com/slipway-ci/slipway/pkg/config"
	"github.com/slipway-ci/slipway/pkg/defaults"
)

// ConfigSource returns the Config in force (read live from the ConfigMap).
type ConfigSource func(ctx context.Context) (*config.Config, error)

// Admission answers the mutating (Default) and validating (Validate)
// webhooks. Messages use Tekton's words ("mutation failed: ...",
// "validation failed: ..."), so what Tekton refuses reads the same here.
type Admission struct {
	config ConfigSource
	// reader (the controller's cache) and then apiReader read the Tasks
	// and Pipelines that runs reference; nil skips their metadata.
	reader, apiReader client.Reader
}

// NewAdmission returns an Admission reading its Config from source and
// referenced Tasks and Pipelines through reader, then apiReader (either
// may be nil).
func NewAdmission(source ConfigSource, reader, apiReader client.Reader) *Admission {
	return &Admission{config: source, reader: reader, apiReader: apiReader}
}

// Default decodes the object strictly and answers with a patch that sets
// its defaults.
func (a *Admission) Default(ctx context.Context, req admission.Request) admission.Response {
	obj, _, ctx, done := a.prepare(ctx, req, "mutation failed")
	if done != nil {
		return *done
	}
	if req.Operation == admissionv1.Create {
		a.propagateMetadata(ctx, obj)
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding defaulted object: %w", err))
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, out)
}

// Admit is the one webhook config/ installs: Default and Validate in a
// single round trip (decode, defaults, metadata, Tekton's Validate), half
// the API server → webhook calls of Tekton's two webhooks (D11).
func (a *Admission) Admit(ctx context.Context, req admission.Request) admission.Response {
	obj, cfg, ctx, done := a.prepare(ctx, req, "mutation failed")
	if done != nil {
		return *done
	}
	if req.Operation == admissionv1.Create {
		a.propagateMetadata(ctx, obj)
	}
	warnings, denied := validate(ctx, cfg, obj)
	if denied != nil {
		return *denied
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding defaulted object: %w", err))
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, out).WithWarnings(warnings...)
}

// Validate runs Tekton's Validate on the object, defaulted again so that
// it judges what will be stored even if the mutating webhook was skipped.
// It serves /validate, for a separate ValidatingWebhookConfiguration
// (e.g. to validate after other mutating webhooks); config/ uses Admit.
func (a *Admission) Validate(ctx context.Context, req admission.Request) admission.Response {
	obj, cfg, ctx, done := a.prepare(ctx, req, "decoding request failed")
	if done != nil {
		return *done
	}
	warnings, denied := validate(ctx, cfg, obj)
	if denied != nil {
		return *denied
	}
	return admission.Allowed("").WithWarnings(warnings...)
}

// validate runs Tekton's Validate with cfg's feature gates and returns its
// warnings, or the refusal (with the warnings too).
func validate(ctx context.Context, cfg *config.Config, obj object) ([]string, *admission.Response) {
	// On a copy: Tekton's TaskRun validation writes object param defaults
	// into the given values' maps, which Admit would then store. The API
	// server names a generateName object after admission: validate it with
	// a name of the shape it will get.
	obj = obj.DeepCopyObject().(object)
	if m, ok := obj.(metav1.Object); ok && m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + "xxxxx")
	}
	fe := obj.Validate(cfg.Tekton(ctx))
	var warnings []string
	if w := fe.Filter(apis.WarningLevel); w != nil {
		for _, e := range w.WrappedErrors() {
			warnings = append(warnings, e.Error())
		}
	}
	if e := fe.Filter(apis.ErrorLevel); e != nil {
		r := deny("validation failed: %v", e).WithWarnings(warnings...)
		return warnings, &r
	}
	return warnings, nil
}

// prepare is both webhooks' start: only creates and updates are looked at;
// the object is decoded (a failure is refused, prefixed with refusal, as
// in Tekton) and defaulted with the Config in force. A non-nil response
// ends the request.
func (a *Admission) prepare(ctx context.Context, req admission.Request, refusal string) (object, *config.Config, context.Context, *admission.Response) {
	end := func(r admission.Response) (object, *config.Config, context.Context, *admission.Response) {
		return nil, nil, ctx, &r
	}
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return end(admission.Allowed(""))
	}
	obj, ctx, err := a.decode(ctx, req)
	if err != nil {
		return end(deny("%s: %v", refusal, err))
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return end(admission.Errored(http.StatusInternalServerError, err))
	}
	defaults.Apply(ctx, cfg, obj)
	return obj, cfg, ctx, nil
}

// decode reads the request's object (and, on update, the old one as the
// baseline Tekton's update validation compares with) and returns the
// context Tekton's code expects.
func (a *Admission) decode(ctx context.Context, req admission.Request) (object, context.Context, error) {
	gvk := schema.GroupVersionKind{Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind}
	obj, err := decodeStrict(gvk, req.Object.Raw)
	if err != nil {
		return nil, ctx, fmt.Errorf("cannot decode incoming new object: %w", err)
	}
	ctx = apis.WithUserInfo(ctx, &req.UserInfo)
	if req.Operation == admissionv1.Create {
		return obj, apis.WithinCreate(ctx), nil
	}
	old, err := newObject(gvk)
	if err == nil {
		err = json.Unmarshal(req.OldObject.Raw, old)
	}
	if err != nil {
		return nil, ctx, fmt.Errorf("cannot decode incoming old object: %w", err)
	}
	return obj, apis.WithinUpdate(ctx, old), nil
}

// decodeStrict decodes raw into a new object of gvk, refusing unknown and
// duplicate fields with their path (e.g. `unknown field "spec.steps[0].stepz"`).
func decodeStrict(gvk schema.GroupVersionKind, raw []byte) (object, error) {
	obj, err := newObject(gvk)
	if err != nil {
		return nil, err
	}
	strict, err := sigsjson.UnmarshalStrict(raw, obj)
	if err != nil {
		return nil, fmt.Errorf("json: %w", trimJSON(err))
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("json: %w", joinErrors(strict))
	}
	return obj, nil
}

// deny refuses a request as Tekton's webhook does (400 Bad Request).
func deny(format string, args ...any) admission.Response {
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: false,
		Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusBadRequest,
			Reason: metav1.StatusReasonBadRequest, Message: fmt.Sprintf(format, args...),
		},
	}}
}
