#!/bin/bash
# Builds CoreDNS (the upstream main package, every plugin) from the Go module
# proxy as a static binary into $CACHE/coredns-$COREDNS_VERSION/coredns.
# Idempotent: does nothing when the binary is present. hack/coredns/build is
# its own throwaway Go module pinning github.com/coredns/coredns, so the main
# module never depends on CoreDNS.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

COREDNS_VERSION=v1.14.1
COREDNS_MODULE=github.com/coredns/coredns
COREDNS_BIN=$CACHE/coredns-$COREDNS_VERSION/coredns
BUILD_MODULE=$SLIPWAY_ROOT/hack/coredns/build

main() {
  local t0
  [[ -x $COREDNS_BIN ]] && { log "coredns $COREDNS_VERSION present in $COREDNS_BIN"; return; }
  grep -q "$COREDNS_MODULE $COREDNS_VERSION" "$BUILD_MODULE/go.mod" ||
    die "hack/coredns/build/go.mod does not pin $COREDNS_MODULE $COREDNS_VERSION"
  log "building coredns $COREDNS_VERSION (cold: a few minutes on 2 cores)"
  t0=$(date +%s.%N)
  mkdir -p "$(dirname "$COREDNS_BIN")"
  # One big build at a time on this machine (shared with k8s, kaniko, Knative).
  (cd "$BUILD_MODULE" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" \
    flock /tmp/slipway-bigbuild.lock go build -trimpath \
      -ldflags "-s -w -X $COREDNS_MODULE/coremain.GitCommit=modproxy" \
      -o "$COREDNS_BIN.tmp" "$COREDNS_MODULE")
  mv "$COREDNS_BIN.tmp" "$COREDNS_BIN"
  log "built coredns in $(elapsed "$t0")s"
}

main "$@"
