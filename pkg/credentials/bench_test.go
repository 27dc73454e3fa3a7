package credentials

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkWrite measures what the first step adds before its process
// starts: one git, one ssh and one docker config secret written into a
// directory (it runs twice per pod: /tekton/creds and /tekton/home).
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	secrets := filepath.Join(dir, "secrets")
	mountB(b, secrets, map[string]map[string]string{
		"gh":  {KeyUsername: "bot", KeyPassword: "tok"},
		"key": {KeySSHPrivateKey: "PRIVATE", KeyKnownHosts: "example.com ssh-ed25519 AAAA"},
		"j":   {KeyDockerConfigJSON: `{"auths":{"a.io":{"auth":"QQ=="}}}`},
	})
	creds := []Credential{
		{Kind: BasicGit, Secret: "gh", Target: "https://github.com"},
		{Kind: SSHGit, Secret: "key", Target: "example.com"},
		{Kind: DockerConfig, Secret: "j"},
	}
	for i := 0; b.Loop(); i++ {
		if err := Write(creds, secrets, filepath.Join(dir, "out", strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
}
