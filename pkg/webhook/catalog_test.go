package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	admissionv1 "k8s.io/api/admission/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/slipway-ci/slipway/pkg/config"
)

// catalogDir holds v1beta1 Tasks and Pipelines written the way the public
// Tekton catalog (github.com/tektoncd/catalog) writes them, one per file.
const catalogDir = "../../test/conformance/testdata/catalog"

// catalogSkips names corpus files whose subtest is skipped, with the
// reason: a bug in pkg/webhook that the file shows. Empty when none is
// known.
var catalogSkips = map[string]string{}

type catalogFile struct {
	name string // base name, e.g. "task-git-clone.yaml"
	raw  []byte // the object as JSON
}

// loadCatalog reads every corpus file as JSON, in name order.
func loadCatalog(t *testing.T) []catalogFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(catalogDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var files []catalogFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := yaml.YAMLToJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		files = append(files, catalogFile{name: filepath.Base(p), raw: raw})
	}
	return files
}

// catalogTypeOf returns the apiVersion and kind of a JSON object.
func catalogTypeOf(t *testing.T, raw []byte) metav1.TypeMeta {
	t.Helper()
	var tm metav1.TypeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		t.Fatal(err)
	}
	return tm
}

// applyCatalogPatches applies an admission response's JSON patches to raw.
func applyCatalogPatches(t *testing.T, raw []byte, resp admission.Response) []byte {
	t.Helper()
	if len(resp.Patches) == 0 {
		return raw
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatalf("decoding the patch: %v\n%s", err, ops)
	}
	out, err := patch.Apply(raw)
	if err != nil {
		t.Fatalf("applying the patch: %v\n%s", err, ops)
	}
	return out
}

// convertCatalog converts one object with Convert, requiring success.
func convertCatalog(t *testing.T, raw []byte, to string) []byte {
	t.Helper()
	resp := Convert(context.Background(), &apiextensionsv1.ConversionRequest{
		UID: "catalog", DesiredAPIVersion: to, Objects: []runtime.RawExtension{{Raw: raw}},
	})
	if resp.Result.Status != metav1.StatusSuccess {
		t.Fatalf("converting to %s failed: %s", to, resp.Result.Message)
	}
	if resp.UID != "catalog" || len(resp.ConvertedObjects) != 1 {
		t.Fatalf("converting to %s: uid %q, %d objects", to, resp.UID, len(resp.ConvertedObjects))
	}
	out := resp.ConvertedObjects[0].Raw
	if got := catalogTypeOf(t, out).APIVersion; got != to {
		t.Fatalf("converted apiVersion = %q, want %q", got, to)
	}
	return out
}

// catalogMap decodes a JSON object, dropping metadata.creationTimestamp
// (metav1.ObjectMeta encodes its zero value as null).
func catalogMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return m
}

// TestCatalogConformance checks that the webhook defaults, validates,
// converts and round-trips catalog-style v1beta1 Tasks and Pipelines:
//
//	(a) Default (CREATE) allows the object; its patch applies, and
//	    defaulting the result again changes nothing;
//	(b) Validate allows the defaulted object;
//	(c) Convert turns it into tekton.dev/v1, which decodes strictly into
//	    the v1 type and passes Tekton's v1 Validate;
//	(d) Convert turns that back into v1beta1 equal to the defaulted object.
func TestCatalogConformance(t *testing.T) {
	t.Parallel()
	files := loadCatalog(t)

	// The corpus must keep its breadth: at least 24 files, 16 Tasks and
	// 6 Pipelines, all tekton.dev/v1beta1.
	count := map[string]int{}
	for _, f := range files {
		tm := catalogTypeOf(t, f.raw)
		if tm.APIVersion != "tekton.dev/v1beta1" {
			t.Errorf("%s: apiVersion %q, want tekton.dev/v1beta1", f.name, tm.APIVersion)
		}
		count[tm.Kind]++
	}
	if len(files) < 24 || count["Task"] < 16 || count["Pipeline"] < 6 {
		t.Errorf("corpus too small: %d files, kinds %v", len(files), count)
	}

	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			if reason, ok := catalogSkips[f.name]; ok {
				t.Skip(reason)
			}
			ctx := context.Background()
			kind := catalogTypeOf(t, f.raw).Kind

			// (a) Default.
			req := request(t, admissionv1.Create, string(f.raw))
			resp := a.Default(ctx, req)
			if !resp.Allowed {
				t.Fatalf("Default refused: %v", resp.Result)
			}
			if resp.Result != nil && resp.Result.Code >= 400 {
				t.Fatalf("Default answered an error: %v", resp.Result)
			}
			defaulted := applyCatalogPatches(t, req.Object.Raw, resp)
			t.Logf("Default: %d patch operations", len(resp.Patches))
			again := a.Default(ctx, request(t, admissionv1.Create, string(defaulted)))
			if !again.Allowed || len(again.Patches) != 0 {
				t.Errorf("defaulting the defaulted object: allowed %v, patches %v", again.Allowed, again.Patches)
			}

			// (b) Validate.
			vresp := a.Validate(ctx, request(t, admissionv1.Create, string(defaulted)))
			if !vresp.Allowed {
				t.Fatalf("Validate refused: %v", vresp.Result.Message)
			}
			for _, w := range vresp.Warnings {
				t.Logf("Validate warning: %s", w)
			}

			// (c) Convert to v1; decode strictly; Tekton's v1 Validate.
			v1raw := convertCatalog(t, defaulted, "tekton.dev/v1")
			if got := catalogTypeOf(t, v1raw).Kind; got != kind {
				t.Fatalf("converted kind = %q, want %q", got, kind)
			}
			var v1obj interface {
				Validate(context.Context) *apis.FieldError
			}
			switch kind {
			case "Task":
				v1obj = &v1.Task{}
			case "Pipeline":
				v1obj = &v1.Pipeline{}
			default:
				t.Fatalf("kind %q: the corpus holds Tasks and Pipelines only", kind)
			}
			strict, err := sigsjson.UnmarshalStrict(v1raw, v1obj)
			if err == nil {
				err = errors.Join(strict...)
			}
			if err != nil {
				t.Fatalf("decoding the v1 object strictly: %v", err)
			}
			vctx := apis.WithinCreate(config.Default().Tekton(ctx))
			if fe := v1obj.Validate(vctx).Filter(apis.ErrorLevel); fe != nil {
				t.Errorf("v1 Validate: %v", fe)
			}

			// (d) Back to v1beta1: the object must be what was defaulted.
			// The whole object is compared, metadata included, not only
			// the spec: what Tekton's conversion keeps in annotations on
			// the way to v1 (v1beta1-only fields: PipelineResources,
			// deprecated step fields, none of which the corpus uses) it
			// restores and removes on the way back.
			back := convertCatalog(t, v1raw, "tekton.dev/v1beta1")
			if diff := cmp.Diff(catalogMap(t, defaulted), catalogMap(t, back)); diff != "" {
				t.Errorf("v1beta1 → v1 → v1beta1 changed the object (-defaulted +round-tripped):\n%s", diff)
			}
		})
	}
}

// TestCatalogTyposRefused checks that a typo in a catalog file (an unknown
// field in a step, in a param, at spec level) is refused by Default,
// naming the field's path.
func TestCatalogTyposRefused(t *testing.T) {
	t.Parallel()
	byName := map[string][]byte{}
	for _, f := range loadCatalog(t) {
		byName[f.name] = f.raw
	}
	tests := []struct {
		name, file string
		mutate     func(spec map[string]any)
		want       string
	}{{
		name: "unknown field in a step",
		file: "task-git-clone.yaml",
		mutate: func(spec map[string]any) {
			spec["steps"].([]any)[0].(map[string]any)["imagePulPolicy"] = "Always"
		},
		want: `unknown field "spec.steps[0].imagePulPolicy"`,
	}, {
		name: "unknown field in a param",
		file: "task-kaniko.yaml",
		mutate: func(spec map[string]any) {
			spec["params"].([]any)[1].(map[string]any)["defualt"] = "./Dockerfile"
		},
		want: `unknown field "spec.params[1].defualt"`,
	}, {
		name: "unknown field at spec level",
		file: "pipeline-build-and-deploy.yaml",
		mutate: func(spec map[string]any) {
			spec["finaly"] = []any{}
		},
		want: `unknown field "spec.finaly"`,
	}}
	a := NewAdmission(fixedConfig(config.Default()), nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, ok := byName[tc.file]
			if !ok {
				t.Fatalf("no corpus file %s", tc.file)
			}
			obj := map[string]any{}
			if err := json.Unmarshal(raw, &obj); err != nil {
				t.Fatal(err)
			}
			tc.mutate(obj["spec"].(map[string]any))
			mutated, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			resp := a.Default(context.Background(), request(t, admissionv1.Create, string(mutated)))
			if resp.Allowed {
				t.Fatal("allowed, want refused")
			}
			msg := resp.Result.Message
			if !strings.HasPrefix(msg, "mutation failed: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want a mutation failure containing %q", msg, tc.want)
			}
			if resp.Result.Code != 400 {
				t.Errorf("code = %d, want 400", resp.Result.Code)
			}
		})
	}
}
