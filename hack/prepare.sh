#!/bin/bash
# One-time (cached) preparation for the local cluster: Debian packages, the
# Kubernetes binaries, our registry/imgtool binaries and the pause image.
# Safe to re-run: each step is skipped when its output exists.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

APT_PACKAGES=(containerd runc containernetworking-plugins etcd-server busybox-static bash-static
  ca-certificates iptables conntrack socat openssl iproute2 curl procps nftables git)

install_packages() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_k8s builds the server binaries, plus kubectl when the machine has none.
build_k8s() {
  local targets="kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy"
  command -v kubectl >/dev/null || targets="$targets kubectl"
  TARGETS=$targets "$SLIPWAY_ROOT/hack/k8s/build.sh"
  [[ -x $K8S_BIN/kubectl ]] && ln -sfn "$K8S_BIN/kubectl" /usr/local/bin/kubectl
  return 0
}

# build_tools rebuilds our small Go tools; the Go build cache makes this cheap.
build_tools() {
  mkdir -p "$TOOLS_BIN"
  (cd "$SLIPWAY_ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS_BIN/" ./hack/registry ./hack/imgtool)
}

# build_pause writes the sandbox image as a tarball that up.sh imports with ctr.
build_pause() {
  [[ -f $CACHE/images/pause.tar ]] && return
  mkdir -p "$CACHE/images"
  (cd "$SLIPWAY_ROOT" && "$TOOLS_BIN/imgtool" gobin -pkg ./hack/pause \
    -tag registry.k8s.io/pause:3.10 -o "$CACHE/images/pause.tar.tmp" >/dev/null)
  mv "$CACHE/images/pause.tar.tmp" "$CACHE/images/pause.tar"
}

main() {
  [[ $EUID -eq 0 ]] || die "must run as root (apt-get, containerd, kubelet)"
  command -v go >/dev/null || die "Go is required (https://go.dev/dl)"
  install_packages
  build_k8s
  build_tools
  build_pause
  log "prepared: $K8S_BIN, $TOOLS_BIN"
}

main "$@"
