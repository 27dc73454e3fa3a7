#!/bin/bash
# Starts the test git server (test/gitserver/cmd/gitserver) on the node for
# the demo and the e2e tests, as a daemon like the cluster's (PID in
# $STATE/run/gitserver.pid, log in $STATE/logs/gitserver.log; stopped by
# hack/cluster/down.sh). It serves every repository under $STATE/git over
# smart HTTP at http://<node IP>:8418/<repo>, pods included, and creates the
# sample app repository `sample-app` (main and tag v1: "Hello from Slipway
# v1"; tag and branch v2: v2) whose Dockerfile is FROM the local base image.
# Writes $STATE/gitserver.env (SLIPWAY_GIT_SERVER, SLIPWAY_GIT_ROOT).
# Idempotent. Needs the git binary (git http-backend).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

GIT_PORT=${SLIPWAY_GIT_PORT:-8418}
GIT_ROOT=$STATE/git

main() {
  local addr base
  command -v git >/dev/null || die "the git binary is missing (apt-get install git): gitserver needs git http-backend"
  addr=$(node_ip):$GIT_PORT
  base=$(node_ip):$REGISTRY_PORT/slipway/base:latest
  mkdir -p "$TOOLS_BIN" "$GIT_ROOT" "$STATE"/{logs,run}
  # Not while it runs: a replaced binary no longer matches the recorded one.
  is_running gitserver ||
    (cd "$SLIPWAY_ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS_BIN/" ./test/gitserver/cmd/gitserver)
  start_daemon gitserver "$TOOLS_BIN/gitserver" -root "$GIT_ROOT" -listen "$addr" \
    -sample-app sample-app -base-image "$base"
  wait_for "gitserver on $addr" 30 curl -sf "http://$addr/sample-app/info/refs?service=git-upload-pack"
  printf 'SLIPWAY_GIT_SERVER=%s\nSLIPWAY_GIT_ROOT=%s\n' "$addr" "$GIT_ROOT" >"$STATE/gitserver.env"
  log "gitserver serving $GIT_ROOT at http://$addr/ (sample app: http://$addr/sample-app)"
}

main "$@"
