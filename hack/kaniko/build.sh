#!/bin/bash
# Builds the kaniko executor from the Go module proxy into an image laid out
# like upstream's executor image and pushes it to the local registry.
#
#   REGISTRY=10.0.0.5:5000 hack/kaniko/build.sh
#
# Inputs (environment):
#   REGISTRY       registry address as nodes and pods reach it; default <node IP>:5000
#   PUSH_REGISTRY  the same registry as this host reaches it; default 127.0.0.1:5000
#   KANIKO_VERSION default v1.24.0 (must match hack/kaniko/build/go.mod)
# Output: the last stdout line is $REGISTRY/slipway/kaniko@sha256:<digest>.
#
# Cached under $CACHE/kaniko-<version>/: the executor binary (compiled once,
# 3.6 min cold on 2 cores (measured, machine busy), serialized with other big builds by
# /tmp/slipway-bigbuild.lock) and the image as an OCI layout. Re-running only
# re-pushes the layout, which the registry answers from blobs it has.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

KANIKO_VERSION=${KANIKO_VERSION:-v1.24.0}
KANIKO_MODULE=github.com/GoogleContainerTools/kaniko
KANIKO_CACHE=$CACHE/kaniko-$KANIKO_VERSION
REGISTRY=${REGISTRY:-$(node_ip):$REGISTRY_PORT}
PUSH_REGISTRY=${PUSH_REGISTRY:-127.0.0.1:$REGISTRY_PORT}
BUILD_MODULE=$SLIPWAY_ROOT/hack/kaniko/build

# build_executor compiles cmd/executor in the throwaway module hack/kaniko/build,
# so kaniko's dependencies never touch the main go.mod.
build_executor() {
  local t0 bin=$KANIKO_CACHE/executor
  [[ -x $bin ]] && return
  grep -q "$KANIKO_MODULE $KANIKO_VERSION" "$BUILD_MODULE/go.mod" ||
    die "hack/kaniko/build/go.mod does not pin $KANIKO_MODULE $KANIKO_VERSION"
  log "building kaniko $KANIKO_VERSION executor (cold: a few minutes on 2 cores)"
  t0=$(date +%s.%N)
  mkdir -p "$KANIKO_CACHE"
  (cd "$BUILD_MODULE" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" \
    flock /tmp/slipway-bigbuild.lock go build -trimpath \
      -ldflags "-s -w -X $KANIKO_MODULE/pkg/version.version=$KANIKO_VERSION" \
      -o "$bin.tmp" "$KANIKO_MODULE/cmd/executor")
  mv "$bin.tmp" "$bin"
  log "built kaniko executor in $(elapsed "$t0")s"
}

# build_layout writes the image (binary + CA bundle) as an OCI layout, once
# per executor binary.
build_layout() {
  local dir=$KANIKO_CACHE/image
  [[ -f $dir/index.json && $dir/index.json -nt $KANIKO_CACHE/executor ]] && return
  rm -rf "$dir" "$dir.tmp"
  "$KANIKO_CACHE/image-tool" -executor "$KANIKO_CACHE/executor" -layout "$dir.tmp"
  mv "$dir.tmp" "$dir"
}

main() {
  local t0 ref
  t0=$(date +%s.%N)
  mkdir -p "$KANIKO_CACHE"
  exec 8>"$KANIKO_CACHE/build.lock"
  flock 8
  build_executor
  (cd "$SLIPWAY_ROOT" && CGO_ENABLED=0 go build -trimpath -o "$KANIKO_CACHE/image-tool" ./hack/kaniko/image)
  build_layout
  ref=$("$KANIKO_CACHE/image-tool" -layout "$KANIKO_CACHE/image" -tag "$PUSH_REGISTRY/slipway/kaniko:$KANIKO_VERSION")
  log "kaniko image pushed in $(elapsed "$t0")s: $ref"
  echo "$REGISTRY/slipway/kaniko@${ref##*@}"
}

main "$@"
