package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

// run n of a queue: created n seconds after t0.
func mk(n int, mods ...func(*Run)) *Run {
	r := &Run{Kind: KindPipelineRun, Namespace: "ns", Name: fmt.Sprintf("r%02d", n), Of: "deploy",
		Labels: map[string]string{"branch": "main"}, Created: t0.Add(time.Duration(n) * time.Second)}
	for _, m := range mods {
		m(r)
	}
	return r
}

func started(r *Run)    { r.Started = true }
func done(r *Run)       { r.Done, r.Started = true, true }
func cancelling(r *Run) { r.Cancelling, r.Started = true, true }
func held(r *Run)       { r.Held = true }
func branch(b string) func(*Run) {
	return func(r *Run) { r.Labels = map[string]string{"branch": b} }
}
func prio(p int) func(*Run) { return func(r *Run) { r.Priority = p } }

func mustParse(t *testing.T, text string) []Limit {
	t.Helper()
	l, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDecide(t *testing.T) {
	t.Parallel()
	three := "- {name: three, max: 3}"
	perBranch := "- {name: deploys, pipeline: deploy, max: 1, groupBy: [branch], strategy: %s}"
	tests := []struct {
		name       string
		limits     string
		run        *Run
		peers      []*Run
		admitted   []string
		wantStart  bool
		wantReject bool
		wantPos    int
		wantCancel []string
		wantMsg    string
	}{
		{name: "no limit", limits: "[]", run: mk(1), peers: []*Run{mk(0, started)}, wantStart: true},
		{name: "under the limit", limits: three, run: mk(3), peers: []*Run{mk(0, started), mk(1, started), mk(2, done)}, wantStart: true},
		{name: "at the limit", limits: three, run: mk(3), peers: []*Run{mk(0, started), mk(1, started), mk(2, started)},
			wantPos: 1, wantMsg: `queued: concurrency limit "three" allows 3 at once and 3 are running; position 1 of 1 waiting`},
		{name: "admitted not yet started counts", limits: three, run: mk(3), peers: []*Run{mk(0, started), mk(1, started), mk(2)},
			admitted: []string{"ns/r02"}, wantPos: 1},
		{name: "first come first served", limits: three, run: mk(5), peers: []*Run{mk(0, started), mk(1, started), mk(2), mk(4)},
			wantPos: 3},
		{name: "the head starts", limits: three, run: mk(2), peers: []*Run{mk(0, started), mk(1, started), mk(4), mk(5)}, wantStart: true},
		{name: "priority first", limits: three, run: mk(5, prio(10)), peers: []*Run{mk(0, started), mk(1, started), mk(2, started), mk(3), mk(4)},
			wantPos: 1},
		{name: "held runs do not wait", limits: three, run: mk(3), peers: []*Run{mk(0, started), mk(1, started), mk(2, held)}, wantStart: true},
		{name: "other groups do not count", limits: fmt.Sprintf(perBranch, "queue"), run: mk(3, branch("feature")),
			peers: []*Run{mk(0, started)}, wantStart: true},
		{name: "other pipelines do not count", limits: fmt.Sprintf(perBranch, "queue"), run: mk(3, func(r *Run) { r.Of = "test" }),
			peers: []*Run{mk(0, started)}, wantStart: true},
		{name: "cancel-newest", limits: fmt.Sprintf(perBranch, "cancel-newest"), run: mk(3), peers: []*Run{mk(0, started)},
			wantReject: true, wantPos: 1, wantMsg: `cancelled at once: concurrency limit "deploys" for branch=main allows 1 at once and 1 are running (strategy cancel-newest)`},
		{name: "cancel-oldest", limits: fmt.Sprintf(perBranch, "cancel-oldest"), run: mk(3), peers: []*Run{mk(1, started)},
			wantPos: 1, wantCancel: []string{"ns/r01"}},
		{name: "cancel-oldest does not cancel twice", limits: fmt.Sprintf(perBranch, "cancel-oldest"), run: mk(3), peers: []*Run{mk(1, cancelling)},
			wantPos: 1},
		{name: "two limits: the tighter holds", limits: three + "\n- {name: one, max: 1, namespace: ns}", run: mk(3),
			peers: []*Run{mk(0, started)}, wantPos: 1, wantMsg: `queued: concurrency limit "one" allows 1 at once`},
		{name: "limit for TaskRuns leaves PipelineRuns", limits: "- {name: pods, kind: TaskRun, max: 1}", run: mk(3),
			peers: []*Run{mk(0, started)}, wantStart: true},
		{name: "selector", limits: "- {name: prod, max: 1, selector: {matchLabels: {branch: main}}}", run: mk(3, branch("dev")),
			peers: []*Run{mk(0, started)}, wantStart: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			admitted := map[string]bool{}
			for _, k := range tc.admitted {
				admitted[k] = true
			}
			v := Decide(tc.run, mustParse(t, tc.limits), append(tc.peers, tc.run), admitted)
			var cancel []string
			for _, c := range v.Cancel {
				cancel = append(cancel, c.Key())
			}
			got := fmt.Sprint(v.Start, v.Reject, v.Position, cancel)
			if want := fmt.Sprint(tc.wantStart, tc.wantReject, tc.wantPos, tc.wantCancel); got != want {
				t.Errorf("start, reject, position, cancel = %s, want %s (%s)", got, want, v.Message)
			}
			if !strings.HasPrefix(v.Message, tc.wantMsg) {
				t.Errorf("message %q, want it to start %q", v.Message, tc.wantMsg)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, wantErr string
	}{
		{text: "- {name: a, max: 2}"},
		{text: "- {name: a, max: 2, groupBy: [namespace, app.kubernetes.io/name], strategy: cancel-oldest}"},
		{text: "- {name: a, max: 0}", wantErr: "max must be at least 1"},
		{text: "- {max: 1}", wantErr: "name is required"},
		{text: "- {name: a, max: 1}\n- {name: a, max: 2}", wantErr: "used twice"},
		{text: "- {name: a, max: 1, kind: Pod}", wantErr: "kind must be"},
		{text: "- {name: a, max: 1, strategy: lifo}", wantErr: "strategy must be"},
		{text: "- {name: a, max: 1, groupBy: ['not a key']}", wantErr: "not a label key"},
		{text: "- {name: a, max: 1, task: t}", wantErr: "pipeline is for PipelineRun limits"},
		{text: "- {name: a, max: 1, selector: {matchExpressions: [{key: k, operator: Nope}]}}", wantErr: "selector"},
		{text: "- {name: a, maxx: 1}", wantErr: "unknown field"},
	} {
		_, err := Parse(tc.text)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Parse(%q) = %v, want %q", tc.text, err, tc.wantErr)
		}
	}
}

func TestManagerSerialisesAndWakes(t *testing.T) {
	t.Parallel()
	limits := mustParse(t, "- {name: two, max: 2}")
	m := NewManager()
	var woken []string
	m.wake[KindPipelineRun] = func(nn typesName) { woken = append(woken, nn.String()) }
	runs := []*Run{mk(0), mk(1), mk(2), mk(3)}
	list := func() ([]*Run, error) { return runs, nil }
	var got []bool
	for _, r := range runs {
		v, err := m.Admit(r, limits, list)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.Start) // none of them shows started in the "cache"
	}
	if diff := cmp.Diff([]bool{true, true, false, false}, got); diff != "" {
		t.Errorf("admitted (-want +got):\n%s", diff)
	}
	runs[0].Done = true
	if err := m.Done(KindPipelineRun, nn(runs[0]), runs[0], limits, list); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ns/r02", "ns/r03"}, woken); diff != "" {
		t.Errorf("woken (-want +got):\n%s", diff)
	}
	if v, _ := m.Admit(runs[3], limits, list); v.Start {
		t.Error("r03 started before r02")
	}
	if v, _ := m.Admit(runs[2], limits, list); !v.Start {
		t.Errorf("r02 did not start: %s", v.Message)
	}
}

type typesName = types.NamespacedName

func nn(r *Run) types.NamespacedName {
	return types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
}

func FuzzParse(f *testing.F) {
	f.Add("- {name: a, max: 2, groupBy: [branch], strategy: cancel-oldest}")
	f.Add("- {name: a, max: 1, selector: {matchLabels: {k: v}}}")
	f.Add("[{}]")
	f.Fuzz(func(t *testing.T, text string) {
		limits, err := Parse(text)
		if err != nil {
			return
		}
		r := mk(1)
		_ = Decide(r, limits, []*Run{mk(0, started), r}, nil)
	})
}

func TestManagerWaitingAndWaitTimes(t *testing.T) {
	t.Parallel()
	limits := mustParse(t, "- {name: one, max: 1}")
	m := NewManager()
	m.now = func() time.Time { return t0.Add(time.Minute) }
	var waited []time.Duration
	m.OnStart(func(w Waiting, d time.Duration) { waited = append(waited, d) })
	runs := []*Run{mk(0), mk(1), mk(2)}
	list := func() ([]*Run, error) { return runs, nil }
	for _, r := range runs {
		if _, err := m.Admit(r, limits, list); err != nil {
			t.Fatal(err)
		}
	}
	if w := m.Waiting(); len(w) != 2 || w[0].Limit != "one" {
		t.Fatalf("Waiting() = %+v, want r01 and r02 under one", w)
	}
	runs[0].Done = true
	_ = m.Done(KindPipelineRun, nn(runs[0]), runs[0], limits, list)
	if v, _ := m.Admit(runs[1], limits, list); !v.Start {
		t.Fatalf("r01 did not start: %s", v.Message)
	}
	// r02 is deleted while it waits.
	_ = m.Done(KindPipelineRun, nn(runs[2]), nil, limits, list)
	if diff := cmp.Diff([]time.Duration{59 * time.Second}, waited); diff != "" {
		t.Errorf("wait times (-want +got):\n%s", diff)
	}
	if w := m.Waiting(); len(w) != 0 || m.Tracks(KindPipelineRun, nn(runs[2])) {
		t.Errorf("Waiting() = %+v after the waiting runs started or went", w)
	}
}
