package substitution

import (
	"strconv"
	"strings"
)

// Values holds the replacements for one substitution pass, keyed by the
// variable name without "$(" and ")", e.g. "params.foo",
// "context.taskRun.name", "tasks.build.results.digest".
type Values struct {
	// Strings are scalar values.
	Strings map[string]string
	// Arrays are array values, referenced whole as $(name[*]) or by element
	// as $(name[i]).
	Arrays map[string][]string
	// Objects are object values, referenced by key as $(name.key) or whole
	// as $(name[*]).
	Objects map[string]map[string]string
}

// NewValues returns empty Values ready to be filled.
func NewValues() Values {
	return Values{
		Strings: map[string]string{},
		Arrays:  map[string][]string{},
		Objects: map[string]map[string]string{},
	}
}

// Merge returns a copy of v with the entries of o added over it.
func (v Values) Merge(o Values) Values {
	out := NewValues()
	for _, src := range []Values{v, o} {
		for k, s := range src.Strings {
			out.Strings[k] = s
		}
		for k, a := range src.Arrays {
			out.Arrays[k] = a
		}
		for k, m := range src.Objects {
			out.Objects[k] = m
		}
	}
	return out
}

// String replaces every resolvable $(...) reference in s. References that
// are not in v, and whole-array or whole-object references ($(x[*])), are
// left as they are.
func (v Values) String(s string) string {
	if !strings.Contains(s, "$(") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rest := s
	for {
		i := strings.Index(rest, "$(")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+2:], ')')
		if j < 0 {
			break
		}
		expr := rest[i+2 : i+2+j]
		b.WriteString(rest[:i])
		if val, ok := v.lookup(expr); ok {
			b.WriteString(val)
			rest = rest[i+2+j+1:]
			continue
		}
		// Not a reference (e.g. shell's $(cmd "$(params.x)")): keep "$(" and
		// scan on from there, so that references nested inside are found.
		b.WriteString("$(")
		rest = rest[i+2:]
	}
	b.WriteString(rest)
	return b.String()
}

// Expand applies String to each element. An element that is exactly a
// whole-array reference, $(name[*]) (or $(name) when name is an array),
// expands into the array's elements. The result is a new slice; nil stays nil.
func (v Values) Expand(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		if a, ok := v.Array(s); ok {
			out = append(out, a...)
			continue
		}
		out = append(out, v.String(s))
	}
	return out
}

// Array returns the array that s names when s is exactly one whole-array
// reference: "$(params.a[*])", or "$(params.a)" for an array.
func (v Values) Array(s string) ([]string, bool) {
	name, ok := wholeRef(s)
	if !ok {
		return nil, false
	}
	a, ok := v.Arrays[name]
	return a, ok
}

// Object returns the object that s names when s is exactly one whole-object
// reference: "$(params.o[*])", or "$(params.o)" for an object.
func (v Values) Object(s string) (map[string]string, bool) {
	name, ok := wholeRef(s)
	if !ok {
		return nil, false
	}
	m, ok := v.Objects[name]
	return m, ok
}

// wholeRef reports the normalized name when s is exactly "$(name)" or
// "$(name[*])".
func wholeRef(s string) (string, bool) {
	if !strings.HasPrefix(s, "$(") || !strings.HasSuffix(s, ")") {
		return "", false
	}
	expr := s[2 : len(s)-1]
	if strings.Contains(expr, "$(") || strings.ContainsRune(expr, ')') {
		return "", false
	}
	name, idx := Normalize(expr)
	if idx != "" && idx != "*" {
		return "", false
	}
	return name, true
}

// lookup resolves one expression (the text between "$(" and ")") to a
// string.
func (v Values) lookup(expr string) (string, bool) {
	name, idx := Normalize(expr)
	switch idx {
	case "":
	case "*":
		return "", false
	default:
		i, err := strconv.Atoi(idx)
		a, ok := v.Arrays[name]
		if err != nil || !ok || i < 0 || i >= len(a) {
			return "", false
		}
		return a[i], true
	}
	if s, ok := v.Strings[name]; ok {
		return s, true
	}
	// Object key: split at each dot from the right, so that dotted param
	// names and dotted keys both work.
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if m, ok := v.Objects[name[:i]]; ok {
			s, ok := m[name[i+1:]]
			return s, ok
		}
	}
	return "", false
}

// Normalize turns an expression into its dotted name and an optional
// trailing index ("" when none, "*" or a number): `params["a.b"][2]`
// becomes ("params.a.b", "2"); `tasks.t.results['r']` becomes
// ("tasks.t.results.r", ""). The legacy `inputs.params.x` form, which
// Tekton still substitutes and much of its catalog uses, becomes "params.x".
func Normalize(expr string) (name, index string) {
	name, index = normalize(expr)
	if rest, ok := strings.CutPrefix(name, "inputs.params."); ok {
		name = "params." + rest
	}
	return name, index
}

func normalize(expr string) (name, index string) {
	expr = strings.TrimSpace(expr)
	if strings.HasSuffix(expr, "]") {
		if k := strings.LastIndexByte(expr, '['); k > 0 {
			inner := expr[k+1 : len(expr)-1]
			if inner == "*" || isDigits(inner) {
				expr, index = expr[:k], inner
			}
		}
	}
	if !strings.ContainsRune(expr, '[') {
		return expr, index
	}
	var b strings.Builder
	for len(expr) > 0 {
		k := strings.IndexByte(expr, '[')
		if k < 0 || k+2 >= len(expr) || (expr[k+1] != '"' && expr[k+1] != '\'') {
			b.WriteString(expr)
			break
		}
		q := expr[k+1]
		end := strings.IndexByte(expr[k+2:], q)
		if end < 0 || k+2+end+1 >= len(expr) || expr[k+2+end+1] != ']' {
			b.WriteString(expr)
			break
		}
		b.WriteString(expr[:k])
		b.WriteByte('.')
		b.WriteString(expr[k+2 : k+2+end])
		expr = expr[k+2+end+2:]
	}
	return b.String(), index
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// References returns the normalized names of all $(...) references in s,
// in order, without their index.
func References(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "$(")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i+2:], ')')
		if j < 0 {
			return out
		}
		name, _ := Normalize(s[i+2 : i+2+j])
		out = append(out, name)
		s = s[i+2+j+1:]
	}
}
