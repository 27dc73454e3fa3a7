#!/bin/bash
# Builds and pushes the images the cluster runs, into the local registry:
#   slipway/base and library/{busybox,bash,alpine,ubuntu}:latest  (one base image)
#   slipway/controller, slipway/entrypoint                        (from cmd/)
# Writes the pushed digest references to $STATE/images.env for deploy.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REG=$(node_ip):$REGISTRY_PORT

push_base() {
  local args=() r out
  for r in slipway/base library/busybox library/bash library/alpine library/ubuntu; do
    args+=(-tag "127.0.0.1:$REGISTRY_PORT/$r:latest")
  done
  out=$("$TOOLS_BIN/imgtool" base "${args[@]}")
  echo "BASE_IMAGE=${out%%$'\n'*}"
}

# push_cmd NAME: builds ./cmd/NAME into $REG/slipway/NAME, prints VAR=ref@digest.
push_cmd() {
  local n=$1 var ref
  var=$(echo "$n" | tr '[:lower:]-' '[:upper:]_')_IMAGE
  if [[ ! -d $SLIPWAY_ROOT/cmd/$n ]]; then
    log "WARNING: cmd/$n does not exist yet; image not built"
    return
  fi
  ref=$(cd "$SLIPWAY_ROOT" && "$TOOLS_BIN/imgtool" gobin -pkg "./cmd/$n" -tag "$REG/slipway/$n:latest")
  echo "$var=$ref"
}

main() {
  local t0 env=$STATE/images.env
  t0=$(date +%s.%N)
  { push_base; push_cmd controller; push_cmd entrypoint; } >"$env.tmp"
  mv "$env.tmp" "$env"
  log "images pushed in $(elapsed "$t0")s:"
  sed 's/^/  /' "$env" >&2
}

main "$@"
