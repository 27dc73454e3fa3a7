package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const betaTask = `
apiVersion: tekton.dev/v1beta1
kind: Task
metadata: {name: t, namespace: default}
spec:
  params:
  - name: x
    type: string
    default: a
  resources: {}
  steps:
  - name: s
    image: busybox
    script: echo $(params.x)
    resources:
      requests: {cpu: 10m}
  results:
  - name: r
`

func jsonOf(t *testing.T, doc string) []byte {
	t.Helper()
	b, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func convertOne(t *testing.T, raw []byte, to string) (map[string]any, string) {
	t.Helper()
	resp := Convert(context.Background(), &apiextensionsv1.ConversionRequest{
		UID: "u", DesiredAPIVersion: to, Objects: []runtime.RawExtension{{Raw: raw}},
	})
	if resp.Result.Status != "Success" {
		return nil, resp.Result.Message
	}
	out := map[string]any{}
	if err := json.Unmarshal(resp.ConvertedObjects[0].Raw, &out); err != nil {
		t.Fatal(err)
	}
	return out, ""
}

func TestConvertRoundTrip(t *testing.T) {
	t.Parallel()
	v1obj, msg := convertOne(t, jsonOf(t, betaTask), "tekton.dev/v1")
	if msg != "" {
		t.Fatal(msg)
	}
	if v1obj["apiVersion"] != "tekton.dev/v1" {
		t.Errorf("apiVersion = %v", v1obj["apiVersion"])
	}
	// v1 calls a step's resources computeResources.
	step := v1obj["spec"].(map[string]any)["steps"].([]any)[0].(map[string]any)
	if _, ok := step["computeResources"]; !ok {
		t.Errorf("v1 step lacks computeResources: %v", step)
	}
	raw, _ := json.Marshal(v1obj)
	back, msg := convertOne(t, raw, "tekton.dev/v1beta1")
	if msg != "" {
		t.Fatal(msg)
	}
	want := map[string]any{}
	_ = json.Unmarshal(jsonOf(t, betaTask), &want)
	delete(want["spec"].(map[string]any), "resources") // empty, dropped
	clean := func(m map[string]any) { delete(m["metadata"].(map[string]any), "creationTimestamp") }
	clean(back)
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("v1beta1 → v1 → v1beta1 (-want +got):\n%s", diff)
	}
}

func TestConvertRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, to, want string }{
		{"another group", betaTask, "apps/v1", `unhandled group "apps"`},
		{"an unknown kind", strings.Replace(betaTask, "kind: Task", "kind: Widget", 1), "tekton.dev/v1", "unhandled kind"},
		{"an unknown version", betaTask, "tekton.dev/v2", "cannot convert Task from v1beta1 to v2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, msg := convertOne(t, jsonOf(t, tc.doc), tc.to)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want it to contain %q", msg, tc.want)
			}
		})
	}
}

func TestConverterHTTP(t *testing.T) {
	t.Parallel()
	review := apiextensionsv1.ConversionReview{
		Request: &apiextensionsv1.ConversionRequest{UID: "x", DesiredAPIVersion: "tekton.dev/v1",
			Objects: []runtime.RawExtension{{Raw: jsonOf(t, betaTask)}}},
	}
	review.APIVersion, review.Kind = "apiextensions.k8s.io/v1", "ConversionReview"
	body, _ := json.Marshal(review)
	rec := httptest.NewRecorder()
	Converter{}.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PathConvert, bytes.NewReader(body)))
	got := apiextensionsv1.ConversionReview{}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Response == nil || got.Response.UID != "x" || len(got.Response.ConvertedObjects) != 1 || got.Request != nil {
		t.Errorf("response = %+v", got.Response)
	}
	rec = httptest.NewRecorder()
	Converter{}.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PathConvert, strings.NewReader("{")))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("garbage: code %d, want 400", rec.Code)
	}
}
