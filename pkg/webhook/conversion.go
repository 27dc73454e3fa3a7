package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// maxReviewBytes bounds a ConversionReview body (a list of up to 500
// objects of at most etcd's 1.5 MiB each would be larger, but the API
// server converts lists page by page).
const maxReviewBytes = 64 << 20

// Converter answers CRD conversion reviews (apiextensions.k8s.io/v1)
// between tekton.dev v1beta1 and v1 with the Tekton types' own ConvertTo
// and ConvertFrom. controller-runtime's conversion handler needs its own
// Hub/Convertible interfaces, which Tekton's types do not implement.
type Converter struct{}

var _ http.Handler = Converter{}

// ServeHTTP decodes a ConversionReview and writes the converted objects.
func (Converter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	review := &apiextensionsv1.ConversionReview{}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReviewBytes)).Decode(review); err != nil || review.Request == nil {
		http.Error(w, fmt.Sprintf("reading ConversionReview: %v", err), http.StatusBadRequest)
		return
	}
	review.Response = Convert(r.Context(), review.Request)
	review.Request = nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

// Convert converts every object of req to req.DesiredAPIVersion. One
// object that fails fails the review, naming it, as the API server expects.
func Convert(ctx context.Context, req *apiextensionsv1.ConversionRequest) *apiextensionsv1.ConversionResponse {
	resp := &apiextensionsv1.ConversionResponse{UID: req.UID}
	to, err := schema.ParseGroupVersion(req.DesiredAPIVersion)
	if err == nil && to.Group != Group {
		err = fmt.Errorf("unhandled group %q", to.Group)
	}
	for _, raw := range req.Objects {
		if err != nil {
			break
		}
		var out runtime.RawExtension
		out, err = convertRaw(ctx, raw.Raw, to.Version)
		resp.ConvertedObjects = append(resp.ConvertedObjects, out)
	}
	if err != nil {
		resp.ConvertedObjects = nil
		resp.Result = metav1.Status{Status: metav1.StatusFailure, Message: err.Error()}
		return resp
	}
	resp.Result = metav1.Status{Status: metav1.StatusSuccess}
	return resp
}

func convertRaw(ctx context.Context, raw []byte, to string) (runtime.RawExtension, error) {
	var meta metav1.PartialObjectMetadata
	if err := json.Unmarshal(raw, &meta); err != nil {
		return runtime.RawExtension{}, fmt.Errorf("reading object: %w", err)
	}
	gvk := meta.GroupVersionKind()
	in, err := newObject(gvk)
	if err == nil {
		err = json.Unmarshal(raw, in)
	}
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("reading %s %s/%s: %w", gvk.Kind, meta.Namespace, meta.Name, err)
	}
	out, err := convert(ctx, in, gvk, to)
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("%s/%s: %w", meta.Namespace, meta.Name, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("encoding %s/%s: %w", meta.Namespace, meta.Name, err)
	}
	return runtime.RawExtension{Raw: b}, nil
}
