package quarantine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
)

// Annotation is set on a stub in place of an object that does not decode;
// its value is the decoding error.
const Annotation = "slipway.dev/undecodable"

// maxMessage bounds the error kept in the annotation.
const maxMessage = 1024

// Reason returns the decoding error of a quarantined object, and whether
// obj is one.
func Reason(obj metav1.Object) (string, bool) {
	msg, ok := obj.GetAnnotations()[Annotation]
	return msg, ok
}

// checker decides, object by object, with the Go types of a scheme.
type checker struct {
	scheme *runtime.Scheme
	groups map[string]bool
}

// guarded returns a new object of the raw JSON object's kind, or nil when
// the kind is not in a guarded group or not in the scheme.
func (c *checker) guarded(tm metav1.TypeMeta) runtime.Object {
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil || !c.groups[gv.Group] {
		return nil
	}
	obj, err := c.scheme.New(gv.WithKind(tm.Kind))
	if err != nil {
		return nil
	}
	return obj
}

// object returns raw unchanged if it decodes into its kind's Go type, or
// a stub that does, and whether it replaced it. def is the type of an
// object that does not name its own (a list's item).
func (c *checker) object(raw json.RawMessage, def metav1.TypeMeta) (json.RawMessage, bool) {
	tm, ok := typeOf(raw, def)
	if !ok {
		return raw, false
	}
	obj := c.guarded(tm)
	if obj == nil {
		return raw, false
	}
	err := kjson.UnmarshalCaseSensitivePreserveInts(raw, obj)
	if err == nil {
		return raw, false
	}
	stub, serr := c.stub(tm, raw, err)
	if serr != nil {
		return raw, false
	}
	return stub, true
}

// typeOf reads apiVersion and kind from the top level of raw, stopping as
// soon as it has both: the API server writes them first.
func typeOf(raw json.RawMessage, def metav1.TypeMeta) (metav1.TypeMeta, bool) {
	tm := def
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return tm, false
	}
	for found := 0; found < 2 && dec.More(); {
		key, err := dec.Token()
		if err != nil {
			return tm, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return tm, false
		}
		switch key {
		case "apiVersion":
			found++
			err = json.Unmarshal(v, &tm.APIVersion)
		case "kind":
			found++
			err = json.Unmarshal(v, &tm.Kind)
		}
		if err != nil {
			return tm, false
		}
	}
	return tm, true
}

// stub keeps what decodes of raw and records err in the annotation.
func (c *checker) stub(tm metav1.TypeMeta, raw json.RawMessage, err error) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if uerr := json.Unmarshal(raw, &fields); uerr != nil {
		return nil, uerr
	}
	var meta metav1.ObjectMeta
	if uerr := json.Unmarshal(fields["metadata"], &meta); uerr != nil {
		return nil, uerr
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[Annotation] = truncate(err.Error())
	out := map[string]any{"apiVersion": tm.APIVersion, "kind": tm.Kind, "metadata": meta}
	for _, part := range []string{"spec", "status"} {
		if v, ok := fields[part]; ok && c.decodes(tm, part, v) {
			out[part] = v
		}
	}
	return json.Marshal(out)
}

// decodes reports whether an object holding only part decodes.
func (c *checker) decodes(tm metav1.TypeMeta, part string, v json.RawMessage) bool {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{%q:`, part)
	b.Write(v)
	b.WriteByte('}')
	return kjson.UnmarshalCaseSensitivePreserveInts(b.Bytes(), c.guarded(tm)) == nil
}

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage] + "…"
}

// list returns a list's JSON with its undecodable items replaced, or body
// itself when every item decodes.
func (c *checker) list(body []byte) []byte {
	var l struct {
		metav1.TypeMeta `json:",inline"`
		Items           []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil || len(l.Items) == 0 {
		return body
	}
	item := metav1.TypeMeta{APIVersion: l.APIVersion, Kind: strings.TrimSuffix(l.Kind, "List")}
	if c.guarded(item) == nil {
		return body
	}
	replaced := false
	for i, it := range l.Items {
		if out, bad := c.object(it, item); bad {
			l.Items[i], replaced = out, true
		}
	}
	if !replaced {
		return body
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return body
	}
	items, err := json.Marshal(l.Items)
	if err != nil {
		return body
	}
	fields["items"] = items
	out, err := json.Marshal(fields)
	if err != nil {
		return body
	}
	return out
}
