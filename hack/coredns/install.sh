#!/bin/bash
# Installs CoreDNS as the cluster DNS (Service kube-system/kube-dns at
# $CLUSTER_DNS_IP, which the kubelet's clusterDNS names) and waits until it
# answers. Idempotent: the binary is cached (build.sh), the image is pushed by
# digest (the same content is a no-op) and the manifests are applied.
#   KUBECONFIG  the cluster (default: the local cluster's admin kubeconfig)
#   REGISTRY    the node-reachable registry (default: <node IP>:5000); the
#               image is pushed through 127.0.0.1:5000, the same registry.
# Writes $STATE/coredns/coredns.yaml.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

export KUBECONFIG=${KUBECONFIG:-$(admin_kubeconfig)}
REGISTRY=${REGISTRY:-$(node_ip):$REGISTRY_PORT}
PUSH=127.0.0.1:$REGISTRY_PORT
COREDNS_VERSION=v1.14.1 # must match build.sh
COREDNS_BIN=$CACHE/coredns-$COREDNS_VERSION/coredns
OUT=$STATE/coredns

# push_image pushes the binary as an image and prints $REGISTRY/...@sha256:...
# The digest is remembered next to the binary: when the registry still has
# that manifest (the cluster was not torn down), packing 76 MB again (≈ 1.2 s)
# is skipped.
push_image() {
  local ref saved=$COREDNS_BIN.image
  if [[ -f $saved && $saved -nt $COREDNS_BIN ]]; then
    ref=$(<"$saved")
    if curl -sf -o /dev/null -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$PUSH/v2/slipway/coredns/manifests/${ref##*@}"; then
      echo "$REGISTRY/${ref#"$PUSH"/}"
      return
    fi
  fi
  ref=$("$TOOLS_BIN/imgtool" bin -bin "$COREDNS_BIN" -tag "$PUSH/slipway/coredns:$COREDNS_VERSION")
  echo "$ref" >"$saved"
  echo "$REGISTRY/${ref#"$PUSH"/}"
}

render() {
  sed -e "s|@IMAGE@|$1|" -e "s|@DNS_IP@|$CLUSTER_DNS_IP|" \
    "$SLIPWAY_ROOT/hack/coredns/coredns.yaml" >"$OUT/coredns.yaml"
}

# answers: the Service resolves the API server's name to its ClusterIP (asked
# from the node, through kube-proxy's rules for the DNS ClusterIP).
answers() {
  timeout 3 busybox nslookup kubernetes.default.svc.cluster.local "$CLUSTER_DNS_IP" 2>/dev/null |
    grep -q '^Address: *10\.96\.0\.1$'
}

main() {
  local t0 ref
  t0=$(date +%s.%N)
  [[ -f $KUBECONFIG ]] || die "no kubeconfig at $KUBECONFIG: run hack/cluster/up.sh first"
  "$SLIPWAY_ROOT/hack/coredns/build.sh"
  mkdir -p "$OUT"
  ref=$(push_image)
  render "$ref"
  kubectl apply -f "$OUT/coredns.yaml" >/dev/null
  kubectl -n kube-system rollout status deployment/coredns --timeout=120s >&2
  wait_for "cluster DNS at $CLUSTER_DNS_IP" 30 answers
  log "coredns $COREDNS_VERSION serving cluster.local at $CLUSTER_DNS_IP in $(elapsed "$t0")s"
}

main "$@"
