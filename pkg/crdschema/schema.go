package crdschema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// Schema is one CRD version's schema.
type Schema = apiextensionsv1.JSONSchemaProps

// Custom gives the schema of a type whose JSON form is not its Go structure
// (a custom MarshalJSON), or of a type that is deliberately left open.
type Custom map[reflect.Type]Schema

// For returns the structural schema of a CRD version whose objects decode
// into obj's type (a pointer to a struct with TypeMeta and ObjectMeta).
// Every type with a custom JSON form that obj reaches must be in custom,
// with Defaults() covering the Kubernetes and Knative ones; For fails
// naming the first one that is missing rather than guess its JSON shape.
// Each of openPaths ("status.taskSpec") is left open: copies that only the
// controller writes need not cost the CRD their whole schema again.
func For(obj any, custom Custom, openPaths ...string) (*Schema, error) {
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	g := &generator{custom: custom, stack: map[reflect.Type]bool{}}
	s, err := g.object(t)
	if err != nil {
		return nil, err
	}
	// The API server owns metadata's schema; only "type: object" is allowed.
	s.Properties["metadata"] = Schema{Type: "object"}
	for _, p := range openPaths {
		if err := openAt(s, strings.Split(p, ".")); err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name(), err)
		}
	}
	return s, nil
}

// openAt replaces the property at path below s with an open object; a
// segment "name[]" steps into the items of the array name.
func openAt(s *Schema, path []string) error {
	name, items := strings.CutSuffix(path[0], "[]")
	p, ok := s.Properties[name]
	if !ok {
		return fmt.Errorf("no property %q to leave open", name)
	}
	target := &p
	if items {
		if p.Items == nil || p.Items.Schema == nil {
			return fmt.Errorf("property %q is not an array", name)
		}
		target = p.Items.Schema
	}
	if len(path) == 1 {
		*target = *open()
	} else if err := openAt(target, path[1:]); err != nil {
		return err
	}
	s.Properties[name] = p
	return nil
}

type generator struct {
	custom Custom
	// stack holds the struct types being expanded: a type met again below
	// itself (a Pipeline inside a pipeline task) is left open there.
	stack map[reflect.Type]bool
}

var (
	marshaler   = reflect.TypeFor[json.Marshaler]()
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// schema returns the schema of a value of type t.
func (g *generator) schema(t reflect.Type) (*Schema, error) {
	if c, ok := g.custom[t]; ok {
		return c.DeepCopy(), nil
	}
	if hasCustomJSON(t) {
		return nil, fmt.Errorf("%s has a custom JSON form: give its schema in Custom", t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		s, err := g.schema(t.Elem())
		if err == nil {
			s.Nullable = true
		}
		return s, err
	case reflect.Struct:
		return g.object(t)
	case reflect.Slice, reflect.Array:
		return g.array(t)
	case reflect.Map:
		return g.dict(t)
	case reflect.Interface:
		return &Schema{XPreserveUnknownFields: ptr(true), Nullable: true}, nil
	}
	return scalar(t)
}

func hasCustomJSON(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		return false
	}
	p := reflect.PointerTo(t)
	return t.Implements(marshaler) || p.Implements(marshaler) || p.Implements(unmarshaler)
}

func scalar(t reflect.Type) (*Schema, error) {
	switch t.Kind() {
	case reflect.String:
		return &Schema{Type: "string"}, nil
	case reflect.Bool:
		return &Schema{Type: "boolean"}, nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return &Schema{Type: "integer", Format: "int32"}, nil
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer", Format: "int64"}, nil
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}, nil
	}
	return nil, fmt.Errorf("%s (%s) has no JSON schema", t, t.Kind())
}

func (g *generator) array(t reflect.Type) (*Schema, error) {
	if t.Elem().Kind() == reflect.Uint8 {
		return &Schema{Type: "string", Format: "byte", Nullable: true}, nil
	}
	items, err := g.schema(t.Elem())
	if err != nil {
		return nil, err
	}
	return &Schema{Type: "array", Nullable: true, Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: items}}, nil
}

func (g *generator) dict(t reflect.Type) (*Schema, error) {
	if t.Key().Kind() != reflect.String {
		return nil, fmt.Errorf("%s: map keys must be strings", t)
	}
	values, err := g.schema(t.Elem())
	if err != nil {
		return nil, err
	}
	return &Schema{
		Type: "object", Nullable: true,
		AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true, Schema: values},
	}, nil
}

// object returns the schema of a struct: its JSON fields typed, unknown
// fields kept for the admission webhook to refuse with their path.
func (g *generator) object(t reflect.Type) (*Schema, error) {
	if g.stack[t] {
		return open(), nil
	}
	g.stack[t] = true
	defer delete(g.stack, t)
	s := &Schema{Type: "object", XPreserveUnknownFields: ptr(true), Properties: map[string]Schema{}}
	if err := g.fields(t, s.Properties); err != nil {
		return nil, err
	}
	return s, nil
}

// fields adds t's JSON fields to props, inlining embedded structs as
// encoding/json does.
func (g *generator) fields(t reflect.Type, props map[string]Schema) error {
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := jsonName(f)
		if name == "" && !inline {
			continue
		}
		if inline {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if err := g.fields(ft, props); err != nil {
				return err
			}
			continue
		}
		s, err := g.schema(f.Type)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		props[name] = *s
	}
	return nil
}

// jsonName returns the JSON name of f, or inline for an embedded struct
// without one; "" for a field JSON skips.
func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			return "", true
		}
	}
	if !f.IsExported() {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func open() *Schema {
	return &Schema{Type: "object", XPreserveUnknownFields: ptr(true), Nullable: true}
}

func ptr[T any](v T) *T { return &v }
