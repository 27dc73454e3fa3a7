package quarantine

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Transport returns a wrapper for rest.Config.Wrap that quarantines the
// undecodable objects of the given API groups in the responses to GET
// requests (get, list and watch).
func Transport(scheme *runtime.Scheme, groups ...string) func(http.RoundTripper) http.RoundTripper {
	c := &checker{scheme: scheme, groups: map[string]bool{}}
	for _, g := range groups {
		c.groups[g] = true
	}
	return func(next http.RoundTripper) http.RoundTripper {
		return &transport{next: next, check: c}
	}
}

type transport struct {
	next  http.RoundTripper
	check *checker
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || resp.StatusCode != http.StatusOK || !isJSON(resp) {
		return resp, err
	}
	if req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1" {
		resp.Body = &watchBody{src: resp.Body, dec: json.NewDecoder(resp.Body), check: t.check}
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = t.check.response(body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

func isJSON(resp *http.Response) bool {
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// response handles the body of a get or a list.
func (c *checker) response(body []byte) []byte {
	tm, ok := typeOf(body, metav1.TypeMeta{})
	if !ok {
		return body
	}
	if strings.HasSuffix(tm.Kind, "List") {
		return c.list(body)
	}
	out, _ := c.object(body, tm)
	return out
}

// watchBody rewrites a watch stream event by event.
type watchBody struct {
	src   io.ReadCloser
	dec   *json.Decoder
	check *checker
	buf   bytes.Buffer
}

// event is a watch event as the API server writes it.
type event struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// Read implements io.Reader: it hands out the current event, reading and
// checking the next one when it is used up.
func (w *watchBody) Read(p []byte) (int, error) {
	for w.buf.Len() == 0 {
		var ev event
		if err := w.dec.Decode(&ev); err != nil {
			return 0, err
		}
		if len(ev.Object) > 0 {
			ev.Object, _ = w.check.object(ev.Object, metav1.TypeMeta{})
		}
		typ, _ := json.Marshal(ev.Type)
		w.buf.WriteString(`{"type":`)
		w.buf.Write(typ)
		w.buf.WriteString(`,"object":`)
		w.buf.Write(orNull(ev.Object))
		w.buf.WriteString("}\n")
	}
	return w.buf.Read(p)
}

func orNull(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// Close implements io.Closer.
func (w *watchBody) Close() error { return w.src.Close() }
