package credentials

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	basic := []string{KeyUsername, KeyPassword}
	tests := []struct {
		name    string
		secrets []Secret
		want    []Credential
		wantErr string
	}{
		{name: "nothing"},
		{name: "unannotated basic-auth is ignored", secrets: []Secret{{Name: "a", Type: TypeBasicAuth, Keys: basic}}},
		{name: "opaque is ignored even if annotated", secrets: []Secret{{Name: "a", Type: "Opaque",
			Annotations: map[string]string{"tekton.dev/git-0": "https://github.com"}}}},
		{name: "basic-auth for git and docker, annotation order", secrets: []Secret{{
			Name: "bot", Type: TypeBasicAuth, Keys: basic,
			Annotations: map[string]string{
				"tekton.dev/git-10": "https://c.example", "tekton.dev/git-2": "https://b.example",
				"tekton.dev/git-0": "https://a.example", "tekton.dev/docker-0": "registry.local:5000",
				"other": "x",
			},
		}}, want: []Credential{
			{Kind: BasicGit, Secret: "bot", Target: "https://a.example"},
			{Kind: BasicGit, Secret: "bot", Target: "https://b.example"},
			{Kind: BasicGit, Secret: "bot", Target: "https://c.example"},
			{Kind: BasicDocker, Secret: "bot", Target: "registry.local:5000"},
		}},
		{name: "ssh-auth for git, docker annotation ignored", secrets: []Secret{{
			Name: "key", Type: TypeSSHAuth, Keys: []string{KeySSHPrivateKey},
			Annotations: map[string]string{"tekton.dev/git-0": "example.com:2222", "tekton.dev/docker-0": "x"},
		}}, want: []Credential{{Kind: SSHGit, Secret: "key", Target: "example.com:2222"}}},
		{name: "docker config secrets need no annotation", secrets: []Secret{
			{Name: "j", Type: TypeDockerConfigJSON, Keys: []string{KeyDockerConfigJSON}},
			{Name: "c", Type: TypeDockercfg, Keys: []string{KeyDockercfg}},
		}, want: []Credential{{Kind: DockerConfig, Secret: "j"}, {Kind: DockerCfg, Secret: "c"}}},
		{name: "basic-auth without password", secrets: []Secret{{Name: "a", Type: TypeBasicAuth, Keys: []string{KeyUsername},
			Annotations: map[string]string{"tekton.dev/git-0": "https://github.com"}}}, wantErr: `secret "a": type kubernetes.io/basic-auth needs the key "password"`},
		{name: "git URL without scheme", secrets: []Secret{{Name: "a", Type: TypeBasicAuth, Keys: basic,
			Annotations: map[string]string{"tekton.dev/git-0": "github.com"}}}, wantErr: "must be an http(s) URL"},
		{name: "newline injection", secrets: []Secret{{Name: "a", Type: TypeBasicAuth, Keys: basic,
			Annotations: map[string]string{"tekton.dev/git-0": "https://x\n[core]"}}}, wantErr: "whitespace"},
		{name: "kubelet expansion", secrets: []Secret{{Name: "a", Type: TypeBasicAuth, Keys: basic,
			Annotations: map[string]string{"tekton.dev/docker-0": "$(HOME)"}}}, wantErr: "$("},
		{name: "ssh bad port", secrets: []Secret{{Name: "a", Type: TypeSSHAuth, Keys: []string{KeySSHPrivateKey},
			Annotations: map[string]string{"tekton.dev/git-0": "host:99999"}}}, wantErr: "port"},
		{name: "ssh URL instead of host", secrets: []Secret{{Name: "a", Type: TypeSSHAuth, Keys: []string{KeySSHPrivateKey},
			Annotations: map[string]string{"tekton.dev/git-0": "git@github.com"}}}, wantErr: "host or host:port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Plan(tc.secrets)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Plan error = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []Credential{
		{Kind: BasicGit, Secret: "s.a", Target: "https://github.com/org?x=1"},
		{Kind: SSHGit, Secret: "k", Target: "example.com:2222"},
		{Kind: BasicDocker, Secret: "d", Target: "https://index.docker.io/v1/"},
		{Kind: DockerConfig, Secret: "j"},
		{Kind: DockerCfg, Secret: "c"},
	} {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			got, err := Parse(c.String())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "basic-git", "basic-git=", "nope=s=x", "basic-git=s", "docker-config=s=x", "ssh-git=../x=h"} {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			if c, err := Parse(s); err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", s, c)
			}
		})
	}
}
