package credentials

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mount writes secrets as a kubelet secret volume would.
func mount(t *testing.T, secrets map[string]map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	mountB(t, dir, secrets)
	return dir
}

func mountB(t testing.TB, dir string, secrets map[string]map[string]string) {
	t.Helper()
	for name, data := range secrets {
		for k, v := range data {
			p := filepath.Join(dir, name, k)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWrite(t *testing.T) {
	t.Parallel()
	secrets := mount(t, map[string]map[string]string{
		"gh":   {KeyUsername: "bot", KeyPassword: "p@ss:w/rd"},
		"gl":   {KeyUsername: `we"ird`, KeyPassword: "x"},
		"key":  {KeySSHPrivateKey: "PRIVATE", KeyKnownHosts: "example.com ssh-ed25519 AAAA"},
		"key2": {KeySSHPrivateKey: "PRIVATE2\n"},
		"json": {KeyDockerConfigJSON: `{"auths":{"a.io":{"auth":"QQ=="},"reg.local":{"auth":"old"}}}`},
		"cfg":  {KeyDockercfg: `{"b.io":{"auth":"Qg=="},"a.io":{"auth":"later"}}`},
	})
	dst := t.TempDir()
	creds := []Credential{
		{Kind: BasicGit, Secret: "gh", Target: "https://github.com"},
		{Kind: BasicGit, Secret: "gl", Target: "https://gitlab.com/org"},
		{Kind: SSHGit, Secret: "key", Target: "example.com:2222"},
		{Kind: SSHGit, Secret: "key2", Target: "other.example"},
		{Kind: DockerConfig, Secret: "json"},
		{Kind: DockerCfg, Secret: "cfg"},
		{Kind: BasicDocker, Secret: "gh", Target: "reg.local"},
	}
	if err := Write(creds, secrets, dst); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dst)
	var docker map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(got[DockerConfigFile]), &docker); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	delete(got, DockerConfigFile)
	sshDir := filepath.Join(dst, SSHDir)
	want := map[string]string{
		GitCredentialsFile: "https://bot:p%40ss%3Aw%2Frd@github.com\nhttps://we%22ird:x@gitlab.com/org\n",
		GitConfigFile: "[credential]\n\thelper = store\n" +
			"[credential \"https://github.com\"]\n\tusername = \"bot\"\n" +
			"[credential \"https://gitlab.com/org\"]\n\tusername = \"we\\\"ird\"\n",
		".ssh/id_key":  "PRIVATE\n",
		".ssh/id_key2": "PRIVATE2\n",
		SSHConfigFile: "Host example.com\n    HostName example.com\n    Port 2222\n    IdentityFile " + sshDir + "/id_key\n" +
			"Host other.example\n    HostName other.example\n    Port 22\n    IdentityFile " + sshDir + "/id_key2\n" +
			"    StrictHostKeyChecking accept-new\n",
		KnownHostsFile: "example.com ssh-ed25519 AAAA\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	wantAuths := map[string]string{
		// dockercfg comes first, so its a.io wins over dockerconfigjson's;
		// basic-auth overrides reg.local.
		"a.io":      `{"auth":"later"}`,
		"b.io":      `{"auth":"Qg=="}`,
		"reg.local": `{"username":"bot","password":"p@ss:w/rd","auth":"Ym90OnBAc3M6dy9yZA=="}`,
	}
	gotAuths := map[string]string{}
	for k, v := range docker["auths"] {
		gotAuths[k] = strings.Join(strings.Fields(string(v)), "")
	}
	if diff := cmp.Diff(wantAuths, gotAuths); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(filepath.Join(dst, GitCredentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf(".git-credentials mode = %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestWriteOnlyNeededFiles(t *testing.T) {
	t.Parallel()
	secrets := mount(t, map[string]map[string]string{"j": {KeyDockerConfigJSON: `{"auths":{}}`}})
	dst := t.TempDir()
	if err := Write([]Credential{{Kind: DockerConfig, Secret: "j"}}, secrets, dst); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dst)
	if len(got) != 1 || got[DockerConfigFile] == "" {
		t.Errorf("files = %v, want only %s", got, DockerConfigFile)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	secrets := mount(t, map[string]map[string]string{
		"bad":    {KeyDockerConfigJSON: `{"auths": SECRETVALUE`},
		"nopass": {KeyUsername: "u"},
	})
	tests := []struct {
		name string
		c    Credential
		want string
	}{
		{name: "invalid json", c: Credential{Kind: DockerConfig, Secret: "bad"}, want: `secret "bad": key ".dockerconfigjson" is not a docker config`},
		{name: "missing key", c: Credential{Kind: BasicGit, Secret: "nopass", Target: "https://x.io"}, want: `secret "nopass" has no key "password"`},
		{name: "not mounted", c: Credential{Kind: SSHGit, Secret: "absent", Target: "x.io"}, want: `secret "absent" has no key "ssh-privatekey"`},
		{name: "invalid target", c: Credential{Kind: BasicGit, Secret: "nopass", Target: "x y"}, want: "whitespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Write([]Credential{tc.c}, secrets, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write error = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRETVALUE") {
				t.Errorf("error %q leaks secret data", err)
			}
		})
	}
}
