#!/bin/bash
# `make up`: prepare (cached), start the cluster (if not running), install
# the cluster DNS (CoreDNS, cached), build and push images (kaniko's
# included), deploy Slipway, start the test git server,
# install Knative Serving with the test ingress, and the catalog. Prints the
# time of each phase. Slipway is deployed before Knative, so TaskRuns work
# even when Knative is slow to come up (or skipped with SLIPWAY_KNATIVE=0).
# Deploying is skipped with a warning while cmd/ or config/ do not exist yet.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# phase NAME CMD...: run CMD and log how long it took.
phase() {
  local n=$1 t0; shift
  t0=$(date +%s.%N)
  "$@" || { log "phase $n FAILED after $(elapsed "$t0")s"; return 1; }
  log "phase $n: $(elapsed "$t0")s"
}

slipway_sources_present() {
  [[ -d $SLIPWAY_ROOT/config && -d $SLIPWAY_ROOT/cmd/controller && -d $SLIPWAY_ROOT/cmd/entrypoint ]]
}

knative_enabled() { [[ ${SLIPWAY_KNATIVE:-1} != 0 ]]; }

main() {
  local t0; t0=$(date +%s.%N)
  rm -f "$STATE"/{knative-ready,knative-failed,not-deployed}
  # kaniko is only needed by the catalog, which needs Knative.
  knative_enabled || export SLIPWAY_KANIKO=${SLIPWAY_KANIKO:-0}
  phase prepare "$SLIPWAY_ROOT/hack/prepare.sh"
  phase cluster "$SLIPWAY_ROOT/hack/cluster/up.sh"
  # Before any workload: every pod's resolv.conf names the cluster DNS.
  phase dns "$SLIPWAY_ROOT/hack/coredns/install.sh"
  phase images "$SLIPWAY_ROOT/hack/images.sh"
  if slipway_sources_present; then
    phase deploy "$SLIPWAY_ROOT/hack/deploy.sh"
    phase gitserver "$SLIPWAY_ROOT/hack/gitserver.sh"
    if ! knative_enabled; then
      log "SLIPWAY_KNATIVE=0: Knative Serving and the catalog not installed"
    elif phase knative "$SLIPWAY_ROOT/hack/knative/install.sh" &&
      phase catalog "$SLIPWAY_ROOT/hack/catalog.sh" default; then
      touch "$STATE/knative-ready"
    else
      # Slipway is up: let the demo show its TaskRun, then fail on this.
      log "ERROR: Knative Serving or the catalog failed to install (see above): TaskRuns work, source to URL does not"
      touch "$STATE/knative-failed"
    fi
  else
    log "WARNING: config/, cmd/controller or cmd/entrypoint missing: Slipway not deployed"
    touch "$STATE/not-deployed"
  fi
  log "up in $(elapsed "$t0")s; KUBECONFIG=$(admin_kubeconfig)"
}

main "$@"
