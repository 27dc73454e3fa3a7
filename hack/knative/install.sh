#!/bin/bash
# Installs Knative Serving v0.50.0 and the test-only ingress (test/ingress)
# on the local cluster, then waits until every Knative Deployment is ready.
# Idempotent: binaries are cached (build.sh), images are pushed by digest
# (pushing the same content is a no-op) and manifests are applied.
#   KUBECONFIG  the cluster (default: the local cluster's admin kubeconfig)
#   REGISTRY    the node-reachable registry (default: <node IP>:5000); images
#               are pushed through 127.0.0.1:5000, the same registry.
# Writes $STATE/knative/{images.env,crds.yaml,serving.yaml,ingress.yaml}.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

export KUBECONFIG=${KUBECONFIG:-$(admin_kubeconfig)}
REGISTRY=${REGISTRY:-$(node_ip):$REGISTRY_PORT}
PUSH=127.0.0.1:$REGISTRY_PORT
KNATIVE_VERSION=v0.50.0
KNATIVE_BIN=$CACHE/knative-$KNATIVE_VERSION/bin
OUT=$STATE/knative
BUILD_MOD=$SLIPWAY_ROOT/hack/knative/build

# push_images pushes the five Knative images and the ingress image and
# writes NAME=$REGISTRY/...@sha256:... lines.
push_images() {
  local c ref
  for c in controller webhook activator autoscaler queue; do
    ref=$("$TOOLS_BIN/kntool" image -bin "$KNATIVE_BIN/$c" -tag "$PUSH/knative/$c:$KNATIVE_VERSION")
    echo "$c=$REGISTRY/${ref#"$PUSH"/}"
  done
  ref=$(cd "$SLIPWAY_ROOT" && "$TOOLS_BIN/imgtool" gobin -pkg ./test/ingress/cmd/slipway-ingress \
    -tag "$PUSH/slipway/slipway-ingress:latest")
  echo "ingress=$REGISTRY/${ref#"$PUSH"/}"
}

module_dir() { (cd "$BUILD_MOD" && GOWORK=off GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "$1"); }

render() {
  local args=(-serving "$(module_dir knative.dev/serving)" -networking "$(module_dir knative.dev/networking)"
    -caching "$(module_dir knative.dev/caching)" -images "$OUT/images.env" -registry "$REGISTRY")
  "$TOOLS_BIN/kntool" render -crds "${args[@]}" >"$OUT/crds.yaml"
  "$TOOLS_BIN/kntool" render "${args[@]}" >"$OUT/serving.yaml"
  sed "s|@IMAGE@|$(sed -n 's/^ingress=//p' "$OUT/images.env")|" \
    "$SLIPWAY_ROOT/hack/knative/ingress.yaml" >"$OUT/ingress.yaml"
}

apply() {
  kubectl apply -f "$OUT/crds.yaml" >/dev/null
  kubectl wait --for=condition=Established --timeout=60s -f "$OUT/crds.yaml" >/dev/null
  kubectl apply -f "$OUT/serving.yaml" >/dev/null
  kubectl apply -f "$OUT/ingress.yaml" >/dev/null
}

wait_ready() {
  local d
  for d in $(kubectl -n knative-serving get deployments -o name); do
    kubectl -n knative-serving rollout status "$d" --timeout=300s >&2
  done
  # The webhook must answer before Knative objects can be created.
  wait_for "knative webhook endpoints" 120 webhook_has_endpoints
}

webhook_has_endpoints() {
  [[ -n $(kubectl -n knative-serving get endpoints webhook -o jsonpath='{.subsets[*].addresses[*].ip}') ]]
}

main() {
  local t0; t0=$(date +%s.%N)
  [[ -f $KUBECONFIG ]] || die "no kubeconfig at $KUBECONFIG: run make up first"
  "$SLIPWAY_ROOT/hack/knative/build.sh"
  mkdir -p "$OUT" "$TOOLS_BIN"
  (cd "$SLIPWAY_ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS_BIN/" ./hack/knative/kntool)
  push_images >"$OUT/images.env.tmp" && mv "$OUT/images.env.tmp" "$OUT/images.env"
  render
  apply
  wait_ready
  log "knative serving $KNATIVE_VERSION ready in $(elapsed "$t0")s (ingress: http://<service>.<namespace>.localhost/)"
}

main "$@"
