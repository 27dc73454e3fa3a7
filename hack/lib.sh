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
# The cluster DNS Service (hack/coredns), the kubelet's clusterDNS. Fixed, in
# the static band of the 10.96.0.0/24 service range that auto-allocation avoids.
CLUSTER_DNS_IP=10.96.0.10
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
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'; }

# --- processes -------------------------------------------------------------
# Every daemon we start records its PID in $STATE/run/<name>.pid. We only
# ever signal those PIDs, after checking they still run the binary we started
# (a PID can be reused after a reboot or a crash).

pidfile() { echo "$STATE/run/$1.pid"; }

# is_running NAME: the recorded PID is alive and still runs NAME's binary.
is_running() {
  local f pid exe
  f=$(pidfile "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  # A binary rebuilt while its daemon runs reads "<path> (deleted)": the
  # daemon is still ours (make down must stop it; make up must not start a
  # second one beside it).
  [[ $(<"$STATE/run/$1.exe") == "${exe% (deleted)}" ]]
}

# start_daemon NAME CMD...: run CMD detached (own session, so an interrupted
# make does not take the cluster with it), logging to $STATE/logs/NAME.log.
start_daemon() {
  local n=$1; shift
  if is_running "$n"; then log "$n already running"; return; fi
  # Without job control a background job is not a process-group leader, so
  # setsid execs in place and $! is the daemon's own PID (not a wrapper's).
  setsid "$@" >>"$STATE/logs/$n.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$n")"
  readlink -f "$(command -v "$1")" >"$STATE/run/$n.exe"
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}

# stop_daemons NAME...: SIGTERM all of them at once, wait up to 5 s for
# them to exit, then SIGKILL the rest (the apiserver may hold long watches).
stop_daemons() {
  local n p i pids=()
  for n in "$@"; do
    if is_running "$n"; then
      p=$(<"$(pidfile "$n")")
      kill "$p" 2>/dev/null && pids+=("$p") && log "stopping $n ($p)"
    fi
    rm -f "$(pidfile "$n")" "$STATE/run/$n.exe"
  done
  for i in $(seq 25); do
    n=0
    for p in "${pids[@]}"; do alive "$p" && n=1; done
    (( n == 0 )) && return 0
    sleep 0.2
  done
  for p in "${pids[@]}"; do alive "$p" && kill -9 "$p" 2>/dev/null && log "killed $p"; done
  return 0
}

# wait_for DESC SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
  local desc=$1 end=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < end )) || die "timed out waiting for $desc (logs: $STATE/logs)"
    sleep 0.2
  done
}

admin_kubeconfig() { echo "$STATE/etc/admin.kubeconfig"; }
