#!/bin/bash
# `make up`: prepare (cached), start the cluster (if not running), build and
# push images, deploy Slipway. Prints the time of each phase.
# Deploying is skipped with a warning while cmd/ or config/ do not exist yet.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# phase NAME CMD...: run CMD and log how long it took.
phase() {
  local n=$1 t0; shift
  t0=$(date +%s.%N)
  "$@"
  log "phase $n: $(elapsed "$t0")s"
}

slipway_sources_present() {
  [[ -d $SLIPWAY_ROOT/config && -d $SLIPWAY_ROOT/cmd/controller && -d $SLIPWAY_ROOT/cmd/entrypoint ]]
}

main() {
  local t0; t0=$(date +%s.%N)
  phase prepare "$SLIPWAY_ROOT/hack/prepare.sh"
  phase cluster "$SLIPWAY_ROOT/hack/cluster/up.sh"
  phase images "$SLIPWAY_ROOT/hack/images.sh"
  if slipway_sources_present; then
    phase deploy "$SLIPWAY_ROOT/hack/deploy.sh"
  else
    log "WARNING: config/, cmd/controller or cmd/entrypoint missing: Slipway not deployed"
    touch "$STATE/not-deployed"
  fi
  log "up in $(elapsed "$t0")s; KUBECONFIG=$(admin_kubeconfig)"
}

main "$@"
