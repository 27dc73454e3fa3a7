#!/bin/bash
# Installs the catalog (every catalog/task/*/<version>/*.yaml and
# catalog/pipeline/*/<version>/*.yaml, tests excluded) into a namespace, plus
# the kservice-deploy RBAC (config/deploy-rbac: the ClusterRole and the
# ServiceAccount kservice-deployer bound to it in `default`).
#   hack/catalog.sh [NAMESPACE]     (default: default)
# Idempotent (kubectl apply). On the local cluster the catalog's bare image
# names (slipway-git-init, slipway-kaniko, ...) resolve through the docker.io
# mirror to the images hack/images.sh pushed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export KUBECONFIG=${KUBECONFIG:-$(admin_kubeconfig)}
NS=${1:-default}

main() {
  local f files=()
  for f in "$SLIPWAY_ROOT"/catalog/{task,pipeline}/*/*/*.yaml; do files+=(-f "$f"); done
  kubectl apply -k "$SLIPWAY_ROOT/config/deploy-rbac" >/dev/null
  kubectl -n "$NS" apply "${files[@]}" >/dev/null
  log "catalog installed in namespace $NS: $(printf '%s ' "${files[@]}" | sed "s|-f $SLIPWAY_ROOT/catalog/||g")"
}

main "$@"
