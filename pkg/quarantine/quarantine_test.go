package quarantine

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

const (
	good      = `{"apiVersion":"tekton.dev/v1","kind":"TaskRun","metadata":{"name":"good","namespace":"ns"},"spec":{"taskRef":{"name":"t"}}}`
	badSpec   = `{"apiVersion":"tekton.dev/v1","kind":"TaskRun","metadata":{"name":"bad","namespace":"ns","annotations":{"a":"b"}},"spec":{"params":[{"name":false,"value":"x"}]},"status":{"podName":"p"}}`
	badStatus = `{"apiVersion":"tekton.dev/v1","kind":"TaskRun","metadata":{"name":"bad2","namespace":"ns"},"spec":{"taskRef":{"name":"t"}},"status":{"podName":7}}`
	foreign   = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":7}}`
)

func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := v1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func decodeTaskRun(t *testing.T, raw []byte) *v1.TaskRun {
	t.Helper()
	var tr v1.TaskRun
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatalf("output does not decode: %v\n%s", err, raw)
	}
	return &tr
}

func TestObject(t *testing.T) {
	t.Parallel()
	c := &checker{scheme: testScheme(t), groups: map[string]bool{"tekton.dev": true}}
	for _, tc := range []struct {
		name                 string
		in                   string
		wantBad              bool
		wantSpec, wantStatus bool
		wantMsg              string
	}{
		{name: "decodes: unchanged", in: good},
		{name: "bad spec: stub keeps status and metadata", in: badSpec, wantBad: true, wantStatus: true,
			wantMsg: "cannot unmarshal bool into Go struct field Param.spec.params.name of type string"},
		{name: "bad status: stub keeps spec", in: badStatus, wantBad: true, wantSpec: true, wantMsg: "podName"},
		{name: "group not guarded", in: foreign},
		{name: "not JSON", in: `{"kind":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, bad := c.object(json.RawMessage(tc.in), metav1.TypeMeta{})
			if bad != tc.wantBad {
				t.Fatalf("replaced = %v, want %v", bad, tc.wantBad)
			}
			if !bad {
				if string(out) != tc.in {
					t.Errorf("an object that was not replaced changed:\n%s", out)
				}
				return
			}
			tr := decodeTaskRun(t, out)
			msg, ok := Reason(tr)
			if !ok || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("Reason() = %q, %v; want it to contain %q", msg, ok, tc.wantMsg)
			}
			if (tr.Spec.TaskRef != nil) != tc.wantSpec || (tr.Status.PodName != "") != tc.wantStatus {
				t.Errorf("kept spec %v status %v, want %v %v", tr.Spec.TaskRef != nil, tr.Status.PodName != "", tc.wantSpec, tc.wantStatus)
			}
			if tr.Name == "" || tr.Namespace != "ns" {
				t.Errorf("metadata lost: %+v", tr.ObjectMeta)
			}
		})
	}
}

func TestLongMessageIsTruncated(t *testing.T) {
	t.Parallel()
	if got := truncate(strings.Repeat("x", 5000)); len(got) > maxMessage+4 {
		t.Errorf("truncate kept %d bytes", len(got))
	}
}

// server answers a list and a watch of TaskRuns, one of them undecodable.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("watch") == "true" {
			for _, o := range []string{good, badSpec, good} {
				io.WriteString(w, `{"type":"ADDED","object":`+o+"}\n")
			}
			return
		}
		// List items do not always repeat their kind.
		io.WriteString(w, `{"apiVersion":"tekton.dev/v1","kind":"TaskRunList","metadata":{"resourceVersion":"1"},"items":[`+
			good+`,`+strings.Replace(badSpec, `"apiVersion":"tekton.dev/v1","kind":"TaskRun",`, "", 1)+`]}`)
	}))
}

func restClient(t *testing.T, url string) *rest.RESTClient {
	t.Helper()
	s := testScheme(t)
	cfg := &rest.Config{Host: url}
	cfg.Wrap(Transport(s, "tekton.dev"))
	cfg.GroupVersion = &v1.SchemeGroupVersion
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = serializer.WithoutConversionCodecFactory{CodecFactory: serializer.NewCodecFactory(s)}
	c, err := rest.RESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListThroughTransport(t *testing.T) {
	t.Parallel()
	srv := server(t)
	defer srv.Close()
	var l v1.TaskRunList
	err := restClient(t, srv.URL).Get().Resource("taskruns").Do(t.Context()).Into(&l)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(l.Items) != 2 {
		t.Fatalf("got %d items, want 2", len(l.Items))
	}
	if _, bad := Reason(&l.Items[0]); bad {
		t.Error("the good item is marked")
	}
	if _, bad := Reason(&l.Items[1]); !bad {
		t.Error("the bad item is not marked")
	}
}

func TestWatchThroughTransport(t *testing.T) {
	t.Parallel()
	srv := server(t)
	defer srv.Close()
	w, err := restClient(t, srv.URL).Get().Resource("taskruns").Param("watch", "true").Watch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var marked []bool
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			t.Fatalf("watch error: %v", ev.Object)
		}
		_, bad := Reason(ev.Object.(*v1.TaskRun))
		marked = append(marked, bad)
	}
	if len(marked) != 3 || marked[0] || !marked[1] || marked[2] {
		t.Errorf("events marked %v, want [false true false]", marked)
	}
}

// FuzzObject: whatever the API server sends, the check never panics, and a
// stub it makes always decodes and carries the annotation.
func FuzzObject(f *testing.F) {
	for _, s := range []string{good, badSpec, badStatus, foreign, `{"kind":`, `{"apiVersion":"tekton.dev/v1","kind":"TaskRun","metadata":7}`,
		`{"apiVersion":"tekton.dev/v1","kind":"PipelineRun","metadata":{"name":"p"},"spec":{"params":[{"name":1}]}}`} {
		f.Add([]byte(s))
	}
	c := &checker{scheme: testScheme(f), groups: map[string]bool{"tekton.dev": true}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, bad := c.object(json.RawMessage(raw), metav1.TypeMeta{})
		if !bad {
			if string(out) != string(raw) {
				t.Fatal("an object that was not replaced changed")
			}
			return
		}
		tm, _ := typeOf(out, metav1.TypeMeta{})
		obj := c.guarded(tm)
		if obj == nil {
			t.Fatalf("stub of unknown kind %v", tm)
		}
		if err := json.Unmarshal(out, obj); err != nil {
			t.Fatalf("stub does not decode: %v\n%s", err, out)
		}
		if _, ok := Reason(obj.(metav1.Object)); !ok {
			t.Fatal("stub has no annotation")
		}
	})
}
