package main

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway-ci/slipway/hack/internal/layer"
)

// Host files from Debian packages (busybox-static, bash-static, ca-certificates).
const (
	hostBusybox = "/bin/busybox"
	hostBash    = "/bin/bash-static"
	hostCerts   = "/etc/ssl/certs/ca-certificates.crt"
)

// commonFiles are in every image: CA certificates, users and a sticky /tmp.
func commonFiles() layer.Tree {
	return layer.Tree{
		"/etc/ssl/certs/ca-certificates.crt": {From: hostCerts, Mode: 0o644},
		"/etc/passwd":                        {Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"), Mode: 0o644},
		"/etc/group":                         {Data: []byte("root:x:0:\nnobody:x:65534:\n"), Mode: 0o644},
		"/tmp":                               {Dir: true, Mode: 0o1777},
		"/root":                              {Dir: true, Mode: 0o700},
	}
}

// baseImage is busybox with every applet at its usual path (so /usr/bin/env
// shebangs work) plus a static bash at /bin/bash and /usr/bin/bash.
func baseImage() (v1.Image, error) {
	t := commonFiles()
	t["/bin/busybox"] = layer.Entry{From: hostBusybox, Mode: 0o755}
	t["/bin/bash"] = layer.Entry{From: hostBash, Mode: 0o755}
	t["/usr/bin/bash"] = layer.Entry{Link: "/bin/bash"}
	out, err := exec.Command(hostBusybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("list busybox applets (is busybox-static installed?): %w", err)
	}
	for _, a := range strings.Fields(string(out)) {
		p := "/" + a
		if _, ok := t[p]; !ok {
			t[p] = layer.Entry{Link: "/bin/busybox"}
		}
	}
	return image(t, nil, []string{"/bin/sh"})
}

// goBinImage builds each of pkgs as a static binary into /usr/local/bin,
// named after its package; the first is the image's ENTRYPOINT, the others
// its companions (the entrypoint's celwhen).
func goBinImage(pkgs []string) (v1.Image, error) {
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("-pkg is required")
	}
	seen := map[string]string{}
	for _, pkg := range pkgs {
		base := path.Base(strings.TrimSuffix(pkg, "/"))
		if other, ok := seen[base]; ok {
			return nil, fmt.Errorf("-pkg %s and %s would both be /usr/local/bin/%s", other, pkg, base)
		}
		seen[base] = pkg
	}
	dir, err := os.MkdirTemp("", "imgtool-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bins := make([]string, len(pkgs))
	for i, pkg := range pkgs {
		bins[i] = filepath.Join(dir, path.Base(strings.TrimSuffix(pkg, "/")))
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bins[i], pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go build %s: %w", pkg, err)
		}
	}
	return binaryImage("/usr/local/bin", bins...)
}

// binImage makes the prebuilt static binary file the image's ENTRYPOINT at
// /usr/local/bin/<its file name> (for binaries built in their own module and
// cached, such as CoreDNS).
func binImage(file, dir string) (v1.Image, error) {
	if file == "" {
		return nil, fmt.Errorf("-bin is required")
	}
	if _, err := os.Stat(file); err != nil {
		return nil, err
	}
	return binaryImage(dir, file)
}

// binaryImage is the common files plus each of bins at <dir>/<its file
// name>; the first is the ENTRYPOINT.
func binaryImage(dir string, bins ...string) (v1.Image, error) {
	t := commonFiles()
	for _, bin := range bins {
		t[path.Join(dir, filepath.Base(bin))] = layer.Entry{From: bin, Mode: 0o755}
	}
	return image(t, []string{path.Join(dir, filepath.Base(bins[0]))}, nil)
}
