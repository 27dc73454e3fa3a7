//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

const hostileTaskRun = `
apiVersion: tekton.dev/v1
kind: TaskRun
spec:
  params: [{name: p, value: x}]
  timeout: 2m
  taskSpec:
    params: [{name: p}]
    steps: [{name: s, image: busybox, script: 'echo $(params.p)'}]
`

const hostilePipelineRun = `
apiVersion: tekton.dev/v1
kind: PipelineRun
spec:
  timeouts: {pipeline: 3m}
  pipelineSpec:
    tasks:
    - {name: a, taskSpec: {results: [{name: r}], steps: [{name: s, image: busybox, script: 'printf v > $(results.r.path)'}]}}
    - {name: b, runAfter: [a], params: [{name: x, value: $(tasks.a.results.r)}], taskSpec: {params: [{name: x}], steps: [{name: s, image: busybox, script: 'echo $(params.x)'}]}}
`

// mutation spoils one thing of a run, as a careless or hostile user would.
type mutation struct {
	name  string
	apply func(r *rand.Rand, o map[string]any)
}

var garbage = []any{false, 7, -1, 1e300, "", "\x00\u202e", []any{1, "x"}, map[string]any{"k": []any{}}, nil, strings.Repeat("ÿ", 5000)}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// objects returns every object node of o with its path, for mutations
// that aim anywhere.
func objects(prefix string, v any, out map[string]map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		out[prefix] = t
		for k, c := range t {
			objects(prefix+"."+k, c, out)
		}
	case []any:
		for i, c := range t {
			objects(fmt.Sprintf("%s[%d]", prefix, i), c, out)
		}
	}
}

func anyObject(r *rand.Rand, o map[string]any) map[string]any {
	all := map[string]map[string]any{}
	objects("", o["spec"], all)
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return all[pick(r, keys)]
}

var mutations = []mutation{
	{"a field of the wrong type", func(r *rand.Rand, o map[string]any) {
		m := anyObject(r, o)
		for k := range m {
			m[k] = pick(r, garbage)
			return
		}
	}},
	{"an unknown field", func(r *rand.Rand, o map[string]any) {
		anyObject(r, o)[pick(r, []string{"stepz", "Name", "x-y", ""})] = "typo"
	}},
	{"a field removed", func(r *rand.Rand, o map[string]any) {
		m := anyObject(r, o)
		for k := range m {
			delete(m, k)
			return
		}
	}},
	{"a huge value", func(r *rand.Rand, o map[string]any) {
		anyObject(r, o)["description"] = strings.Repeat("x", pick(r, []int{1 << 16, 1 << 20, 2 << 20}))
	}},
	{"a bad timeout", func(r *rand.Rand, o map[string]any) {
		o["spec"].(map[string]any)["timeout"] = pick(r, []any{"-5m", "soon", "0", "99999h"})
	}},
	{"a missing reference", func(r *rand.Rand, o map[string]any) {
		spec := o["spec"].(map[string]any)
		delete(spec, "taskSpec")
		delete(spec, "pipelineSpec")
		spec[pick(r, []string{"taskRef", "pipelineRef"})] = map[string]any{"name": pick(r, []string{"nope", "", "UPPER", "../x"})}
	}},
	{"an unresolvable variable", func(r *rand.Rand, o map[string]any) {
		anyObject(r, o)["script"] = pick(r, []string{"$(params.nope)", "$(tasks.z.results.r)", "$(", "$(context.nope.x)"})
	}},
	{"a random name", func(r *rand.Rand, o map[string]any) {
		anyObject(r, o)["name"] = pick(r, []string{"Bad Name", strings.Repeat("a", 300), "-", "été"})
	}},
}

// hostile builds spec i of the generated set.
func hostile(r *rand.Rand, i int) (*unstructured.Unstructured, string) {
	base := hostileTaskRun
	if i%2 == 1 {
		base = hostilePipelineRun
	}
	o := map[string]any{}
	_ = yaml.Unmarshal([]byte(base), &o)
	m := pick(r, mutations)
	m.apply(r, o)
	u := &unstructured.Unstructured{Object: o}
	u.SetName(fmt.Sprintf("hostile-%04d", i))
	return u, m.name
}

// TestHostileSpecs: 1,000 generated malformed or hostile runs. Each is
// refused with a message, or runs to a final condition; the controller
// never restarts.
func TestHostileSpecs(t *testing.T) {
	e := newEnv(t, "hostile")
	ctx := context.Background()
	before := e.restarts(ctx)
	r := rand.New(rand.NewPCG(12, 2026))
	refused, accepted := map[string]int{}, []*unstructured.Unstructured{}
	silent := 0
	for i := range 1000 {
		u, _ := hostile(r, i)
		u.SetNamespace(e.ns)
		err := e.c.Create(ctx, u)
		switch {
		case err == nil:
			accepted = append(accepted, u)
		case err.Error() == "":
			silent++
		default:
			kind := refusalKind(err)
			if refused[kind] == 0 {
				t.Logf("refused %s, e.g.: %.300s", kind, err)
			}
			refused[kind]++
		}
	}
	reasons, stuck := e.finalReasons(ctx, accepted, 5*time.Minute)
	after := e.restarts(ctx)
	ok := stuck == 0 && silent == 0 && after == before
	record("1,000 generated malformed or hostile TaskRuns and PipelineRuns (wrong types, unknown or missing fields, 2 MiB values, bad timeouts, missing refs, unresolvable variables, bad names)",
		outcome(ok), fmt.Sprintf("refused at apply: %s; accepted %d, of which %d stuck and %s; controller restarts %d", summary(refused), len(accepted), stuck, summary(reasons), after-before))
	if !ok {
		t.Errorf("stuck %d, refused without a message %d, controller restarts %d", stuck, silent, after-before)
	}
}

func refusalKind(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "admission webhook"):
		return "by the webhook"
	case apierrors.IsInvalid(err):
		return "by the schema"
	case apierrors.IsRequestEntityTooLargeError(err) || strings.Contains(msg, "too large") || strings.Contains(msg, "larger than max"):
		return "as too large for etcd"
	case apierrors.ReasonForError(err) == "":
		return "with another error"
	}
	return string(apierrors.ReasonForError(err))
}

// finalReasons waits for each accepted run's final condition and counts
// the reasons; runs still going at the deadline are stuck.
func (e *env) finalReasons(ctx context.Context, runs []*unstructured.Unstructured, timeout time.Duration) (map[string]int, int) {
	deadline := time.Now().Add(timeout)
	reasons, stuck := map[string]int{}, 0
	for _, u := range runs {
		for {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(u.GroupVersionKind())
			reason, done := "", false
			if e.c.Get(ctx, clientKey(u), cur) == nil {
				reason, done = finalReason(cur)
			}
			if done {
				reasons[reason]++
				break
			}
			if time.Now().After(deadline) {
				stuck++
				e.t.Logf("stuck: %s %s", u.GetKind(), u.GetName())
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return reasons, stuck
}

func finalReason(u *unstructured.Unstructured) (string, bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Succeeded" && m["status"] != "Unknown" {
			return fmt.Sprint(m["reason"]), true
		}
	}
	return "", false
}

func summary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func clientKey(u *unstructured.Unstructured) client.ObjectKey {
	return client.ObjectKey{Namespace: u.GetNamespace(), Name: u.GetName()}
}
