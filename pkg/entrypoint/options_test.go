package entrypoint

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slipway-ci/slipway/pkg/credentials"
)

func TestOptionsRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Options
	}{
		{name: "first step with command", in: Options{Step: "build", PostFile: "/slipway/run/0/out", Command: []string{"go", "build", "-o", "x", "--", "./..."}}},
		{name: "later step with everything", in: Options{
			Step: "test", WaitFile: "/slipway/run/0/out", PostFile: "/slipway/run/1/out",
			Results: []string{"a", "b"}, Timeout: 90 * time.Second, OnError: OnErrorContinue,
			StepDir: "/tekton/steps/step-build",
			Script:  "#!/bin/bash\necho $(params.x) $HOME\n", Command: []string{"arg1"},
		}},
		{name: "first step with credentials", in: Options{Step: "clone", Command: []string{"git-init"}, Credentials: []credentials.Credential{
			{Kind: credentials.BasicGit, Secret: "gh", Target: "https://github.com/org?a=b"},
			{Kind: credentials.SSHGit, Secret: "key", Target: "example.com:2222"},
			{Kind: credentials.DockerConfig, Secret: "regcred"},
		}}},
		{name: "script without args", in: Options{Step: "s", Script: "echo hi"}},
		{name: "held, with breakpoints", in: Options{Step: "s", Script: "echo @slipway-held:p@", ReleaseFile: "/slipway/release/values",
			BreakOnFailure: true, BreakBefore: true}},
		{name: "when expressions, with and without cel", in: Options{Step: "s", Script: "true", When: []When{
			{Input: "$(steps.a.results.r)", Operator: WhenIn, Values: []string{"x"}}, {CEL: "'$(steps.a.results.r)' == 'x'"}}}},
		{name: "install mode", in: Options{CopyTo: "/slipway/bin/entrypoint"}},
		{name: "install mode and wait", in: Options{CopyTo: "/var/lib/slipway/bin/entrypoint", WaitAfterCopy: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in.Args())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tc.in
			if want.ResultsDir == "" {
				want.ResultsDir = ResultsDir
			}
			if want.TerminationPath == "" {
				want.TerminationPath = TerminationPath
			}
			if want.ScriptsDir == "" {
				want.ScriptsDir = ScriptsDir
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestArgsHideScriptFromKubeletExpansion(t *testing.T) {
	t.Parallel()
	args := Options{Step: "s", Script: "echo $(HOME)"}.Args()
	for _, a := range args {
		if strings.Contains(a, "$(") {
			t.Errorf("arg %q would be expanded by the kubelet", a)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "nothing to run", args: []string{"-step", "x", "--"}, want: "nothing to run"},
		{name: "bad on_error", args: []string{"-on_error", "explode", "--", "true"}, want: "on_error"},
		{name: "bad script encoding", args: []string{"-script", "!!!", "--"}, want: "decoding"},
		{name: "unknown flag", args: []string{"-nope", "--", "true"}, want: "parsing entrypoint args"},
		{name: "bad credential", args: []string{"-creds", "basic-git=gh=github.com", "--", "true"}, want: "http(s) URL"},
		{name: "wait without copy", args: []string{"-wait_after_copy", "--", "true"}, want: "needs -copy_to"},
		{name: "slash in step", args: []string{"-step", "a/b", "--", "true"}, want: "must not contain"},
		{name: "bad result name", args: []string{"-results", "a,../x", "--", "true"}, want: "not a valid result name"},
		{name: "empty result name", args: []string{"-results", "a,", "--", "true"}, want: "not a valid result name"},
		{name: "cel with an operator", args: []string{"-when", `[{"cel":"true","operator":"in"}]`, "--", "true"}, want: "cannot be set in one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) error = %v, want it to mention %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestTerminationMarshal(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ok := Termination{Reason: ReasonCompleted, StartedAt: start, Results: map[string]string{"r": "v"}}
	got, err := ParseTermination(string(ok.Marshal()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ok, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	big := Termination{Reason: ReasonCompleted, Results: map[string]string{"r": strings.Repeat("x", MaxTerminationBytes)}}
	msg := big.Marshal()
	if len(msg) > MaxTerminationBytes {
		t.Fatalf("message is %d bytes, over the limit", len(msg))
	}
	got, err = ParseTermination(string(msg))
	if err != nil {
		t.Fatal(err)
	}
	if got.Reason != ReasonResultsTooLarge || got.ExitCode == 0 || !strings.Contains(got.Message, "termination message limit") {
		t.Errorf("oversized results: got %+v, want a ResultsTooLarge failure", got)
	}
}

// TestMarshalWithinSmallBudgets: a pod of 100 containers gives each 122
// bytes; what a step reports still fits and parses, times and words going
// first.
func TestMarshalWithinSmallBudgets(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 8, 8, 33, 123456789, time.UTC)
	rl := &ResultsLog{Tag: ResultsTagPrefix + "0123456789abcdef", Lines: 466, Bytes: 1048576, SHA256: "0123456789abcdef"}
	for _, tc := range []struct {
		name       string
		term       Termination
		wantReason string
	}{
		{"completed", Termination{Reason: ReasonCompleted, StartedAt: at, FinishedAt: at}, ReasonCompleted},
		{"skipped", Termination{Reason: ReasonSkipped, StartedAt: at, FinishedAt: at,
			Message: `skipped: step "s42" did not run because a step before it failed`}, ReasonSkipped},
		{"results in the log", Termination{Reason: ReasonCompleted, ExitCode: 0, StartedAt: at, FinishedAt: at, ResultsLog: rl}, ReasonCompleted},
		{"a long failure", Termination{Reason: ReasonError, ExitCode: 3, Message: strings.Repeat("é", 500)}, ReasonError},
	} {
		msg := tc.term.MarshalWithin(122)
		got, err := ParseTermination(string(msg))
		if len(msg) > 122 || err != nil || got.Reason != tc.wantReason || got.ExitCode != tc.term.ExitCode {
			t.Errorf("%s: %d bytes %s (%v), want %s within 122 bytes", tc.name, len(msg), msg, err, tc.wantReason)
		}
		if tc.term.ResultsLog != nil && (got.ResultsLog == nil || *got.ResultsLog != *rl) {
			t.Errorf("%s: results log %+v, want %+v", tc.name, got.ResultsLog, rl)
		}
	}
}
