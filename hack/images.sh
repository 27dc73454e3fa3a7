#!/bin/bash
# Builds and pushes the images the cluster runs, into the local registry:
#   slipway/base and library/{busybox,bash,alpine,ubuntu}:latest  (one base image)
#   slipway/controller, slipway/entrypoint                        (from cmd/)
#   slipway/<tool> and library/slipway-<tool>:latest              (cmd/<tool>: git-init,
#                                                                  image-digest, kservice-deploy)
#   slipway/kaniko and library/slipway-kaniko:latest              (hack/kaniko/build.sh)
# The library/slipway-* tags are how the catalog's bare image names
# (`image: slipway-git-init`, ...) resolve here without editing the YAML: a
# bare name means docker.io/library/<name>:latest, and containerd and the
# controller pull docker.io from this registry (the docker.io mirror).
# Writes the pushed digest references to $STATE/images.env for deploy.sh.
# Set SLIPWAY_KANIKO=0 to skip the kaniko image (cold build: minutes).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REG=$(node_ip):$REGISTRY_PORT
PUSH=127.0.0.1:$REGISTRY_PORT
# Tools that catalog Tasks run by their bare name slipway-<tool>.
CATALOG_TOOLS="git-init image-digest kservice-deploy"

push_base() {
  local args=() r out
  for r in slipway/base library/busybox library/bash library/alpine library/ubuntu; do
    args+=(-tag "$PUSH/$r:latest")
  done
  out=$("$TOOLS_BIN/imgtool" base "${args[@]}")
  echo "BASE_IMAGE=${out%%$'\n'*}"
}

# env_var NAME: the images.env variable of image NAME (git-init -> GIT_INIT_IMAGE).
env_var() { echo "$(echo "$1" | tr '[:lower:]-' '[:upper:]_')_IMAGE"; }

# push_cmd NAME [TAG...]: builds ./cmd/NAME into $REG/slipway/NAME (and the
# extra tags), prints VAR=ref@digest.
push_cmd() {
  local n=$1 ref args=(); shift
  if [[ ! -d $SLIPWAY_ROOT/cmd/$n ]]; then
    log "WARNING: cmd/$n does not exist yet; image not built"
    return
  fi
  args=(-pkg "./cmd/$n")
  # The entrypoint's image carries celwhen, which it installs beside itself
  # (a step's CEL when, docs/design.md D27).
  [[ $n == entrypoint ]] && args+=(-pkg ./cmd/celwhen)
  args+=(-tag "$REG/slipway/$n:latest")
  for ref in "$@"; do args+=(-tag "$ref"); done
  ref=$(cd "$SLIPWAY_ROOT" && "$TOOLS_BIN/imgtool" gobin "${args[@]}")
  echo "$(env_var "$n")=${ref%%$'\n'*}"
}

# retag REF TAG: makes the registry serve REF's manifest (by digest) under TAG
# too. Blobs are stored by digest for every repository, so only the manifest
# is copied.
retag() {
  local repo=${1%@*} digest=${1#*@} dst=$2 m
  m=$(mktemp)
  curl -sf -o "$m" -D "$m.h" -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$PUSH/v2/${repo#*/}/manifests/$digest" || die "reading manifest of $1"
  curl -sf -X PUT -H "Content-Type: $(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$m.h" | tr -d '\r')" \
    --data-binary "@$m" "http://$PUSH/v2/${dst%:*}/manifests/${dst##*:}" || die "tagging $1 as $dst"
  rm -f "$m" "$m.h"
}

# push_kaniko builds (cached) and pushes the kaniko executor image, tags it
# library/slipway-kaniko:latest and prints KANIKO_IMAGE=ref@digest.
push_kaniko() {
  local ref
  if [[ ${SLIPWAY_KANIKO:-1} == 0 ]]; then
    log "SLIPWAY_KANIKO=0: kaniko image not built"
    return
  fi
  ref=$(REGISTRY=$REG PUSH_REGISTRY=$PUSH "$SLIPWAY_ROOT/hack/kaniko/build.sh" | tail -1)
  [[ $ref == *@sha256:* ]] || die "hack/kaniko/build.sh printed no digest reference: $ref"
  retag "$ref" library/slipway-kaniko:latest
  echo "KANIKO_IMAGE=$ref"
}

main() {
  local t0 env=$STATE/images.env n
  t0=$(date +%s.%N)
  {
    push_base
    push_cmd controller
    push_cmd entrypoint
    for n in $CATALOG_TOOLS; do push_cmd "$n" "$PUSH/library/slipway-$n:latest"; done
    push_kaniko
  } >"$env.tmp"
  mv "$env.tmp" "$env"
  log "images pushed in $(elapsed "$t0")s:"
  sed 's/^/  /' "$env" >&2
}

main "$@"
