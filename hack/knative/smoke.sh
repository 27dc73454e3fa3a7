#!/bin/bash
# Proves Knative + the test ingress + cmd/kservice-deploy on the local
# cluster: deploys the local base image running busybox httpd as Knative
# Service knative-smoke, fetches its URL through the ingress, rolls a second
# Revision as a 20% canary with a tag URL, promotes it, and prints timings.
# Needs hack/knative/install.sh first. Leaves the Service (delete it with
# `kubectl delete ksvc knative-smoke`).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

export KUBECONFIG=${KUBECONFIG:-$(admin_kubeconfig)}
REGISTRY=${REGISTRY:-$(node_ip):$REGISTRY_PORT}
SVC=knative-smoke
RES=$(mktemp -d)
trap 'rm -rf "$RES"' EXIT

# deploy PAGE ARGS...: rolls out a Revision serving PAGE; ARGS go to kservice-deploy.
deploy() {
  local page=$1 t0; shift
  t0=$(date +%s.%N)
  "$TOOLS_BIN/kservice-deploy" -namespace default -service "$SVC" -image "$IMAGE" \
    -results-dir "$RES" -timeout 3m "$@" \
    -- sh -c "mkdir -p /www && echo $page > /www/index.html && exec httpd -f -p 8080 -h /www" >&2
  log "$page rolled out in $(elapsed "$t0")s"
}

# fetch URL: GET through the ingress on the node's port 80 (no DNS needed).
fetch() { curl -sf --max-time 10 --connect-to "::127.0.0.1:80" "$1"; }

# expect_share URL PAGE MIN MAX: of 50 requests, between MIN and MAX serve PAGE.
expect_share() {
  local n=0 i
  for i in $(seq 50); do [[ $(fetch "$1") == "$2" ]] && n=$((n + 1)); done
  log "$n/50 requests to $1 served $2"
  (( n >= $3 && n <= $4 )) || die "expected $3..$4 of 50 to serve $2"
}

main() {
  local base url tag gen
  base=$(sed -n 's/^BASE_IMAGE=//p' "$STATE/images.env")
  [[ $base == *@sha256:* ]] || die "no BASE_IMAGE in $STATE/images.env (run hack/images.sh)"
  IMAGE=$REGISTRY/${base#*/}
  (cd "$SLIPWAY_ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS_BIN/" ./cmd/kservice-deploy)
  kubectl delete ksvc "$SVC" --ignore-not-found >/dev/null
  deploy page-v1 -commit 1111111aaaa
  url=$(<"$RES/URL")
  [[ $(fetch "$url") == page-v1 ]] || die "$url does not serve page-v1"
  log "$url serves page-v1"
  gen=$(kubectl get ksvc "$SVC" -o jsonpath='{.metadata.generation}')
  deploy page-v1 -commit 1111111aaaa # idempotent re-run: no new generation
  [[ $(kubectl get ksvc "$SVC" -o jsonpath='{.metadata.generation}') == "$gen" ]] ||
    die "re-running the same deploy changed the generation"
  deploy page-v2 -commit 2222222bbbb -traffic-mode canary -canary-percent 20 -tag canary
  tag=$(<"$RES/TAG_URL")
  [[ $(fetch "$tag") == page-v2 ]] || die "$tag does not serve page-v2"
  log "$tag serves page-v2"
  expect_share "$url" page-v2 2 25
  deploy page-v2 -commit 2222222bbbb -traffic-mode promote
  expect_share "$url" page-v2 50 50
  log "knative smoke test passed: $url"
}

main "$@"
