#!/bin/bash
# Prints a directory holding kube-apiserver and etcd, for envtest:
#   KUBEBUILDER_ASSETS=$(hack/envtest-assets.sh) go test ./...
# Builds kube-apiserver (only) into the cache if needed and installs Debian's
# etcd-server if etcd is missing. Progress goes to stderr; stdout is the path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_etcd() {
  command -v etcd >/dev/null && return
  log "installing etcd-server (Debian)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >&2
}

main() {
  local dir=$CACHE/envtest-$K8S_VERSION
  ensure_etcd
  TARGETS=kube-apiserver "$SLIPWAY_ROOT/hack/k8s/build.sh" >&2
  mkdir -p "$dir"
  ln -sfn "$K8S_BIN/kube-apiserver" "$dir/kube-apiserver"
  ln -sfn "$(command -v etcd)" "$dir/etcd"
  # envtest uses kubectl only for optional helpers; link it when present.
  if command -v kubectl >/dev/null; then ln -sfn "$(command -v kubectl)" "$dir/kubectl"; fi
  echo "$dir"
}

main "$@"
