# Shared settings and helpers for the hack/ scripts. Source it; do not run it.
# Everything the tooling writes lives in two places outside the repository:
#   CACHE  built artefacts that survive `make down` (k8s binaries, tools)
#   STATE  one running cluster (pki, config, logs, pids, data); `make down` removes it.

SLIPWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SLIPWAY_CACHE:-$HOME/.cache/slipway}
STATE=${SLIPWAY_STATE:-/var/lib/slipway-cluster}
K8S_VERSION=v1.32.5
K8S_BIN=$CACHE/k8s-$K8S_VERSION/bin
TOOLS_BIN=$CACHE/bin
REGISTRY_PORT=5000
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# node_ip is the source address of the default route. The kubelet refuses a
# loopback node IP, and pods must reach the registry under the same address.
node_ip() {
  local ip
  ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)
  [[ -n $ip ]] || die "no default route: cannot pick a node IP"
  echo "$ip"
}

# elapsed prints the seconds since the given `date +%s.%N` stamp.
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
