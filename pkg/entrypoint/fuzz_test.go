package entrypoint

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: the entrypoint's arguments never panic it; whatever parses
// writes back into arguments that parse to the same options.
func FuzzParse(f *testing.F) {
	for _, o := range []Options{
		{Step: "build", PostFile: "/slipway/run/0/out", Command: []string{"go", "build", "--", "./..."}},
		{Step: "t", WaitFile: "/w", Results: []string{"a", "b"}, OnError: OnErrorContinue, Script: "#!/bin/sh\necho hi\n"},
		{CopyTo: "/slipway/bin/entrypoint", WaitAfterCopy: true},
		{Step: "w", Command: []string{"true"}, When: []When{{Input: "$(steps.a.results.r)", Operator: WhenNotIn, Values: []string{"x", "y"}}}},
	} {
		f.Add(strings.Join(o.Args(), "\x00"))
	}
	f.Add("-timeout\x00soon")
	f.Add("-credentials\x00nonsense")
	f.Add("-script\x00!!notbase64")
	f.Fuzz(func(t *testing.T, joined string) {
		o, err := Parse(strings.Split(joined, "\x00"))
		if err != nil {
			return
		}
		again, err := Parse(o.Args())
		if err != nil {
			t.Fatalf("Args() of parsed options do not parse: %v\n%q", err, o.Args())
		}
		if d := cmp.Diff(o, again); d != "" && roundTrips(o) {
			t.Fatalf("round trip changed the options (-first +second):\n%s", d)
		}
	})
}

// roundTrips: options whose lists hold no empty or comma-joined names, the
// only ones Args can write back exactly.
func roundTrips(o Options) bool {
	for _, list := range [][]string{o.Results, o.StepResults} {
		for _, r := range list {
			if r == "" || strings.Contains(r, ",") {
				return false
			}
		}
	}
	return o.CopyTo == "" || len(o.Command) == 0
}

// FuzzParseTermination: any termination message, however broken, is an
// error or a Termination that marshals back to itself.
func FuzzParseTermination(f *testing.F) {
	f.Add(string(Termination{ExitCode: 1, Results: map[string]string{"r": "v"}}.Marshal()))
	f.Add(`{"exitCode":`)
	f.Add(`[]`)
	f.Add(`{"results":{"a":"b"},"exitCode":-1}`)
	f.Fuzz(func(t *testing.T, msg string) {
		term, err := ParseTermination(msg)
		if err != nil {
			return
		}
		again, err := ParseTermination(string(term.Marshal()))
		if err != nil {
			t.Fatalf("a parsed termination does not parse after Marshal: %v", err)
		}
		if d := cmp.Diff(term, again); d != "" {
			t.Fatalf("Marshal then Parse changed it (-first +second):\n%s", d)
		}
	})
}

// FuzzResultsFilter: the filter never panics, never grows its input, and
// what it keeps of a log without results blocks is the log itself.
func FuzzResultsFilter(f *testing.F) {
	var block bytes.Buffer
	rl, _ := writeResultsBlock(&block, map[string]string{"a": "value"}, nil)
	f.Add("plain\nlog\n", 3)
	f.Add("a\n"+block.String()+"after", 1)
	f.Add("\n\n"+rl.Tag+":", 5)
	f.Fuzz(func(t *testing.T, in string, chunk int) {
		chunk = 1 + abs(chunk)%64
		var out bytes.Buffer
		flt := NewResultsFilter(&out)
		for s := in; len(s) > 0; {
			n := min(chunk, len(s))
			_, _ = flt.Write([]byte(s[:n]))
			s = s[n:]
		}
		_ = flt.Flush()
		if out.Len() > len(in) {
			t.Fatalf("filter grew %q into %q", in, out.String())
		}
		if !strings.Contains(in, ResultsTagPrefix) && out.String() != in {
			t.Fatalf("filter changed %q into %q", in, out.String())
		}
	})
}

// FuzzResultsDecode: whatever a log holds, Decode returns results or an
// error, and never results that the block's digest does not vouch for.
func FuzzResultsDecode(f *testing.F) {
	var block bytes.Buffer
	rl, _ := writeResultsBlock(&block, map[string]string{"a": strings.Repeat("v", 5000)}, map[string]string{"s": "1"})
	f.Add(block.String())
	f.Add(strings.Replace(block.String(), ":1:", ":9:", 1))
	f.Add("")
	f.Fuzz(func(t *testing.T, log string) {
		res, _, err := rl.Decode(strings.NewReader(log))
		if err == nil && res["a"] != strings.Repeat("v", 5000) {
			t.Fatalf("decoded %q", res)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
