#!/bin/bash
# Builds Knative Serving's five commands (controller, webhook, activator,
# autoscaler, queue) from the Go module proxy as static binaries into
# $CACHE/knative-$KNATIVE_VERSION/bin. Idempotent: does nothing when all are
# present. hack/knative/build is its own throwaway Go module pinning
# knative.dev/serving, so the main module never depends on Knative.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

KNATIVE_VERSION=v0.50.0
KNATIVE_BIN=$CACHE/knative-$KNATIVE_VERSION/bin
CMDS="controller webhook activator autoscaler queue"

main() {
  local c missing=() pkgs=() t0
  for c in $CMDS; do [[ -x $KNATIVE_BIN/$c ]] || missing+=("$c"); done
  [[ ${#missing[@]} -eq 0 ]] && { log "knative $KNATIVE_VERSION binaries present in $KNATIVE_BIN"; return; }
  for c in "${missing[@]}"; do pkgs+=("knative.dev/serving/cmd/$c"); done
  log "building knative ${missing[*]} (cold: several minutes on 2 cores)"
  t0=$(date +%s.%N)
  mkdir -p "$KNATIVE_BIN.tmp"
  cd "$SLIPWAY_ROOT/hack/knative/build"
  # One big build at a time on this machine (shared with the k8s build).
  CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" \
    flock /tmp/slipway-bigbuild.lock go build -trimpath -ldflags "-s -w" -o "$KNATIVE_BIN.tmp/" "${pkgs[@]}"
  mkdir -p "$KNATIVE_BIN"
  mv "$KNATIVE_BIN.tmp"/* "$KNATIVE_BIN/" && rmdir "$KNATIVE_BIN.tmp"
  log "built knative binaries in $(elapsed "$t0")s"
}

main "$@"
