package entrypoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slipway-ci/slipway/pkg/credentials"
)

// credsPod is a chain with the credential volumes of a step pod: mounted
// secrets, /tekton/creds, the shared HOME and a step-specific HOME.
type credsPod struct {
	chain
	secrets, creds, home, ownHome string
}

func newCredsPod(t *testing.T, secrets map[string]map[string]string) credsPod {
	t.Helper()
	c := newChain(t)
	p := credsPod{chain: c, secrets: filepath.Join(c.dir, "creds-secrets"), creds: filepath.Join(c.dir, "creds"),
		home: filepath.Join(c.dir, "home"), ownHome: filepath.Join(c.dir, "own-home")}
	for name, data := range secrets {
		for k, v := range data {
			path := filepath.Join(p.secrets, name, k)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// runner runs steps whose $HOME is home.
func (p credsPod) runner(home string) *Runner {
	env := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	return NewRunner(withoutSignals(), withCredentialPaths(p.secrets, p.creds, p.home, env))
}

var gitCred = []credentials.Credential{{Kind: credentials.BasicGit, Secret: "gh", Target: "https://github.com"}}

func TestCredentialsWrittenBeforeFirstStep(t *testing.T) {
	t.Parallel()
	p := newCredsPod(t, map[string]map[string]string{"gh": {"username": "bot", "password": "tok"}})
	o := p.step(0, "clone")
	o.Credentials = gitCred
	// The step itself checks that its credentials exist when it starts.
	o.Script = "grep -q '^https://bot:tok@github.com$' " + filepath.Join(p.creds, ".git-credentials") +
		"\ngrep -q 'helper = store' " + filepath.Join(p.home, ".gitconfig")
	got := run(t, p.runner(p.home), o)
	if got.code != 0 || got.term.Reason != ReasonCompleted {
		t.Fatalf("step: code %d, %+v, stderr %q", got.code, got.term, got.stderr)
	}
	if exists(p.ownHome) {
		t.Errorf("%s was written though no step uses it as HOME", p.ownHome)
	}
}

func TestCredentialsForStepWithOwnHome(t *testing.T) {
	t.Parallel()
	p := newCredsPod(t, map[string]map[string]string{"gh": {"username": "bot", "password": "tok"}})
	first, second := p.step(0, "a"), p.step(1, "b")
	first.Credentials, second.Credentials = gitCred, gitCred
	first.Script, second.Script = "true", "test -f "+filepath.Join(p.ownHome, ".git-credentials")
	runs := []stepRun{run(t, p.runner(p.home), first), run(t, p.runner(p.ownHome), second)}
	want := []summary{{Reason: ReasonCompleted}, {Reason: ReasonCompleted}}
	if diff := cmp.Diff(want, summarize(runs)); diff != "" {
		t.Errorf("steps (-want +got):\n%s\nstderr: %q", diff, runs[1].stderr)
	}
}

func TestCredentialsUnwritableOwnHomeWarns(t *testing.T) {
	t.Parallel()
	p := newCredsPod(t, map[string]map[string]string{"gh": {"username": "bot", "password": "tok"}})
	if err := os.WriteFile(p.ownHome, nil, 0o644); err != nil { // a file, not a directory
		t.Fatal(err)
	}
	first, second := p.step(0, "a"), p.step(1, "b")
	first.Credentials, second.Credentials = gitCred, gitCred
	first.Script, second.Script = "true", "true"
	run(t, p.runner(p.home), first)
	got := run(t, p.runner(p.ownHome), second)
	if got.code != 0 || !strings.Contains(got.stderr, "warning: credentials not copied to $HOME") {
		t.Errorf("step with unwritable HOME: code %d, stderr %q; want success with a warning", got.code, got.stderr)
	}
}

func TestCredentialsMalformedSecretFailsStep(t *testing.T) {
	t.Parallel()
	p := newCredsPod(t, map[string]map[string]string{"regcred": {".dockerconfigjson": "{SECRETVALUE"}})
	first, second := p.step(0, "push"), p.step(1, "after")
	first.Credentials = []credentials.Credential{{Kind: credentials.DockerConfig, Secret: "regcred"}}
	first.Script = p.appendLog("push")
	second.Script = p.appendLog("after")
	runs := runAll(t, p.runner(p.home), []Options{first, second})
	want := []summary{{Code: 1, Reason: ReasonError, ExitCode: 1}, {Reason: ReasonSkipped}}
	if diff := cmp.Diff(want, summarize(runs)); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	msg := runs[0].term.Message
	if !strings.Contains(msg, `step "push" did not start`) || !strings.Contains(msg, `secret "regcred"`) || strings.Contains(msg, "SECRETVALUE") {
		t.Errorf("message %q: want the step and secret named, and no secret data", msg)
	}
	if log := p.log(); log != "" {
		t.Errorf("steps ran: %q", log)
	}
}
