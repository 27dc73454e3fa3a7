package git_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	corev1 "k8s.io/api/core/v1"

	"github.com/slipway-ci/slipway/pkg/resolution"
	"github.com/slipway-ci/slipway/pkg/resolution/git"
	"github.com/slipway-ci/slipway/test/gitserver"
)

// startSSH serves the repositories below root over ssh as user "git",
// accepting only the client key allowed, by running `git upload-pack`. It
// returns the address and the server's host key.
func startSSH(t *testing.T, root string, allowed ssh.PublicKey) (string, ssh.PublicKey) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git binary unavailable: %v", err)
	}
	hostKey := newSigner(t)
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if c.User() == "git" && bytes.Equal(k.Marshal(), allowed.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("key refused")
	}}
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSSH(conn, cfg, root)
		}
	}()
	return ln.Addr().String(), hostKey.PublicKey()
}

func serveSSH(conn net.Conn, cfg *ssh.ServerConfig, root string) {
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		_ = conn.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go serveSession(ch, chReqs, root)
	}
}

// serveSession runs the one exec request of a session:
// git-upload-pack '<path>'.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, root string) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			_ = req.Reply(false, nil)
			continue
		}
		var exec struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &exec); err != nil {
			_ = req.Reply(false, nil)
			return
		}
		_ = req.Reply(true, nil)
		code := uploadPack(ch, root, exec.Command)
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
		return
	}
}

func uploadPack(ch ssh.Channel, root, command string) uint32 {
	program, arg, _ := strings.Cut(command, " ")
	if program != "git-upload-pack" {
		return 127
	}
	cmd := exec.Command("git", "upload-pack", filepath.Join(root, strings.Trim(arg, "'")))
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err != nil || cmd.Start() != nil {
		return 1
	}
	// Not waited for: the client may keep its side open.
	go func() { _, _ = io.Copy(stdin, ch); _ = stdin.Close() }()
	if err := cmd.Wait(); err != nil {
		return 1
	}
	return 0
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newPrivateKeyPEM(t *testing.T) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block)), sshPub
}

// newSSHFixture serves a repository over ssh and returns its URL, its
// commit, and a Resolver with ssh-auth Secrets for it.
func newSSHFixture(t *testing.T) (string, string, *git.Resolver) {
	t.Helper()
	root := t.TempDir()
	repo, err := gitserver.Init(filepath.Join(root, "app"))
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.Commit("v1", map[string]string{"task.yaml": taskYAML("v1")})
	if err != nil {
		t.Fatal(err)
	}
	key, pub := newPrivateKeyPEM(t)
	otherKey, _ := newPrivateKeyPEM(t)
	addr, hostKey := startSSH(t, root, pub)
	line := knownhosts.Line([]string{addr}, hostKey)
	hashed := knownhosts.HashHostname(knownhosts.Normalize(addr)) + " " + string(ssh.MarshalAuthorizedKey(hostKey))
	stranger := knownhosts.Line([]string{addr}, newSigner(t).PublicKey())
	sshSecret := func(name, key, knownHosts string) *corev1.Secret {
		data := map[string]string{"ssh-privatekey": key}
		if knownHosts != "" {
			data["known_hosts"] = "# test\n" + knownHosts + "\n"
		}
		return secret(name, corev1.SecretTypeSSHAuth, data)
	}
	r := git.New(fakeSecrets(
		sshSecret("no-known-hosts", key, ""),
		sshSecret("known", key, line),
		sshSecret("hashed", key, hashed),
		sshSecret("stranger", key, stranger),
		sshSecret("revoked", key, line+"\n@revoked "+line),
		sshSecret("other-key", otherKey, line),
	))
	return "ssh://git@" + addr + "/app", commit, r
}

func TestSSH(t *testing.T) {
	t.Parallel()
	url, commit, r := newSSHFixture(t)
	tests := []struct {
		secret string
		want   error
		msg    string
	}{
		{secret: "no-known-hosts"},
		{secret: "known"},
		{secret: "hashed"},
		{secret: "stranger", want: resolution.ErrUnreachable, msg: "(ssh-ed25519) is not in known_hosts"},
		{secret: "revoked", want: resolution.ErrUnreachable, msg: "is revoked in known_hosts"},
		{secret: "other-key", want: resolution.ErrAuth, msg: `refused the credentials of gitToken Secret "other-key"`},
	}
	for _, tc := range tests {
		t.Run(tc.secret, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			pin, got, err := resolve(ctx, r, map[string]string{"url": url, "pathInRepo": "task.yaml", "gitToken": tc.secret})
			t.Log(err)
			if !errors.Is(err, tc.want) || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("error = %v, want %v containing %q", err, tc.want, tc.msg)
			}
			if err == nil && (pin != commit || string(got.Data) != taskYAML("v1") || got.RefSource.URI != "git+"+url) {
				t.Errorf("resolve = %s %q %s, want %s %q", pin, got.Data, got.RefSource.URI, commit, taskYAML("v1"))
			}
		})
	}
}
