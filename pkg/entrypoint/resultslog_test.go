package entrypoint

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResultsBlockRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		results     map[string]string
		stepResults map[string]string
		before      string // the step's output before the block
		after       string // output landing after it
	}{
		{name: "one small", results: map[string]string{"a": "1"}},
		{name: "many lines", results: map[string]string{"a": strings.Repeat("ab\n\x00", 100000)}, before: "log\n"},
		{name: "step results", stepResults: map[string]string{"s": `["x","y"]`}, before: "no newline at the end"},
		{name: "output after it", results: map[string]string{"a": strings.Repeat("z", 9000)}, after: "late\nlater\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			log.WriteString(tc.before)
			rl, err := writeResultsBlock(&log, tc.results, tc.stepResults)
			if err != nil {
				t.Fatal(err)
			}
			log.WriteString(tc.after)
			for _, line := range strings.Split(log.String(), "\n") {
				if len(line) >= 4096 {
					t.Fatalf("a block line of %d bytes is not written atomically", len(line))
				}
			}
			// What a tail read with TailLines returns holds the block.
			lines := strings.SplitAfter(log.String(), "\n")
			tail := strings.Join(lines[max(0, len(lines)-int(rl.TailLines())):], "")
			res, steps, err := rl.Decode(strings.NewReader(tail))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.results, res); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.stepResults, steps); diff != "" {
				t.Errorf("step results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultsBlockDecodeFailures(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	rl, err := writeResultsBlock(&log, map[string]string{"a": strings.Repeat("q", 7000)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	full := log.String()
	lines := strings.SplitAfter(full, "\n")
	other := *rl
	other.Tag = ResultsTagPrefix + strings.Repeat("0", 16)
	cases := []struct {
		name string
		rl   ResultsLog
		log  string
		want error // nil: any error that is not ErrResultsIncomplete
	}{
		{name: "missing a line", rl: *rl, log: strings.Join(lines[:2], "") + strings.Join(lines[3:], ""), want: ErrResultsIncomplete},
		{name: "empty log", rl: *rl, log: "", want: ErrResultsIncomplete},
		{name: "another tag", rl: other, log: full, want: ErrResultsIncomplete},
		{name: "corrupt data", rl: *rl, log: strings.Replace(full, ":0:", ":0:AAAA", 1)},
		{name: "absurd size", rl: ResultsLog{Tag: rl.Tag, Lines: 1 << 40, Bytes: 1 << 50}, log: full},
		{name: "lines not matching bytes", rl: ResultsLog{Tag: rl.Tag, Lines: rl.Lines + 1, Bytes: rl.Bytes}, log: full},
		{name: "wrong digest", rl: ResultsLog{Tag: rl.Tag, Lines: rl.Lines, Bytes: rl.Bytes, SHA256: "00"}, log: full},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := tc.rl.Decode(strings.NewReader(tc.log))
			switch {
			case err == nil:
				t.Fatal("decoded a broken block")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("err = %v, want %v", err, tc.want)
			case tc.want == nil && errors.Is(err, ErrResultsIncomplete):
				t.Errorf("err = %v, want a digest error", err)
			}
		})
	}
}

func TestResultsFilter(t *testing.T) {
	t.Parallel()
	var block bytes.Buffer
	if _, err := writeResultsBlock(&block, map[string]string{"a": strings.Repeat("r", 10000)}, nil); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("y", 70000)
	cases := []struct {
		name, in, want string
	}{
		{name: "no block", in: "a\n\nb\n", want: "a\n\nb\n"},
		{name: "block at the end", in: "a\nb\n" + block.String(), want: "a\nb\n"},
		{name: "output after the block", in: "a\n" + block.String() + "late\n", want: "a\nlate\n"},
		{name: "empty lines kept", in: "a\n\n\n" + block.String(), want: "a\n\n\n"},
		{name: "no newline before it", in: "a" + block.String(), want: "a\n"},
		{name: "long lines", in: long + "\n" + block.String() + long, want: long + "\n" + long},
		{name: "look-alike kept", in: ResultsTagPrefix + "xyz:1:2\n", want: ResultsTagPrefix + "xyz:1:2\n"},
		{name: "short line at the end", in: "ab", want: "ab"},
		{name: "empty line at the end", in: "a\n\n", want: "a\n\n"},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 7, 4096, 1 << 20} {
			var out bytes.Buffer
			f := NewResultsFilter(&out)
			for in := tc.in; len(in) > 0; {
				n := min(chunk, len(in))
				if _, err := f.Write([]byte(in[:n])); err != nil {
					t.Fatal(err)
				}
				in = in[n:]
			}
			if err := f.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("%s, writes of %d: got %.80q, want %.80q", tc.name, chunk, out.String(), tc.want)
			}
		}
		got, err := io.ReadAll(FilterResults(io.NopCloser(strings.NewReader(tc.in))))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s, FilterResults: got %.80q (%v), want %.80q", tc.name, got, err, tc.want)
		}
	}
}

// TestResultsFilterPassesPrompts: a line without a newline that cannot be
// a block line is passed on at once (a prompt while the step waits).
func TestResultsFilterPassesPrompts(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	f := NewResultsFilter(&out)
	_, _ = f.Write([]byte("Password: "))
	if out.String() != "Password: " {
		t.Errorf("held %q", out.String())
	}
	_, _ = f.Write([]byte(ResultsTagPrefix[:5]))
	if out.String() != "Password: "+ResultsTagPrefix[:5] {
		t.Errorf("a line already passed on was held: %q", out.String())
	}
}

func TestScriptChunks(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 1, maxArgChunk, 3 * maxArgChunk, 500000} {
		script := strings.Repeat("s", size)
		o := Options{Step: "s", Script: script}
		args := o.Args()
		for _, a := range args {
			if len(a) > maxArgChunk {
				t.Fatalf("size %d: an argument of %d bytes", size, len(a))
			}
		}
		if size == 0 {
			continue
		}
		got, err := Parse(args)
		if err != nil {
			t.Fatal(err)
		}
		if got.Script != script {
			t.Errorf("size %d: script of %d bytes back", size, len(got.Script))
		}
	}
}
