#!/bin/bash
# Builds the Kubernetes server binaries from the Go module proxy into
# $CACHE/k8s-<version>/bin. Idempotent: does nothing when all are present.
# hack/k8s is its own Go module (go.mod pins every k8s.io staging module with
# replace directives), so the main module never depends on k8s.io/kubernetes.
#   TARGETS="kube-apiserver" hack/k8s/build.sh   builds only some of them.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

TARGETS=${TARGETS:-kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy}

missing_targets() {
  local t
  for t in $TARGETS; do [[ -x $K8S_BIN/$t ]] || echo "$t"; done
}

# ldflags stamps the version so `kubectl version` and the kubelet's node status
# report v1.32.5 instead of v0.0.0.
ldflags() {
  local v=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  echo "-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor" \
    "-X $v.gitTreeState=clean -X $v.gitCommit=modproxy" \
    "-X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "-X $c.gitVersion=$K8S_VERSION -X $c.gitMajor=1 -X $c.gitMinor=$minor"
}

main() {
  local todo pkgs=() t start
  # Serialize concurrent callers (make up and envtest-assets.sh may race).
  mkdir -p "$CACHE"
  exec 9>"$CACHE/k8s-build.lock"
  flock 9
  todo=$(missing_targets)
  [[ -z $todo ]] && { log "k8s $K8S_VERSION binaries present in $K8S_BIN"; return; }
  for t in $todo; do pkgs+=("k8s.io/kubernetes/cmd/$t"); done
  log "building $(echo $todo) (cold: several minutes on 2 cores)"
  start=$(date +%s.%N)
  mkdir -p "$K8S_BIN.tmp"
  cd "$SLIPWAY_ROOT/hack/k8s"
  # -mod=mod lets go fill in go.sum entries on a machine whose module cache is empty.
  CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" \
    go build -trimpath -ldflags "$(ldflags)" -o "$K8S_BIN.tmp/" "${pkgs[@]}"
  mkdir -p "$K8S_BIN"
  mv "$K8S_BIN.tmp"/* "$K8S_BIN/" && rmdir "$K8S_BIN.tmp"
  log "built k8s binaries in $(elapsed "$start")s"
}

main "$@"
