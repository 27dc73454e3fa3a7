#!/bin/bash
# Tears the cluster down and leaves nothing behind: our daemons (by recorded
# PID, the test git server included) and the containerd shims of our
# containerd, mounts under $STATE, the CNI bridge, kube-proxy's and CNI's
# iptables rules, the kubepods cgroups, the hostPath provisioner's volumes,
# the entrypoint directory that Slipway's DaemonSet installs on the node,
# sysctls we changed, and $STATE itself.
set -uo pipefail # no -e: a teardown keeps going past individual failures
source "$(dirname "$0")/../lib.sh"

SOCK=$STATE/run/containerd/containerd.sock
export KUBECONFIG=$STATE/etc/admin.kubeconfig
# Must match entrypoint-host-path in the slipway-config ConfigMap.
ENTRYPOINT_DIR=${SLIPWAY_ENTRYPOINT_DIR:-/var/lib/slipway/bin}

stop_control_plane() {
  stop_daemons gitserver kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd registry
}

# our_shims lists containerd-shim processes serving our containerd socket.
our_shims() {
  ps -eo pid=,args= | awk -v s="$SOCK" '$2 ~ /containerd-shim/ && index($0, s) { print $1 }'
}

# stop_containers kills every container task, then containerd and its shims.
stop_containers() {
  local ns t shims
  if [[ -S $SOCK ]] && is_running containerd; then
    for ns in $(ctr --address "$SOCK" namespaces ls -q 2>/dev/null); do
      for t in $(ctr --address "$SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
        ctr --address "$SOCK" -n "$ns" tasks kill -s SIGKILL "$t" >/dev/null 2>&1
      done
    done
    sleep 1
  fi
  shims=$(our_shims)
  stop_daemons containerd
  for t in $shims; do kill -9 "$t" 2>/dev/null && log "stopped shim $t"; done
}

# unmount_state lazily unmounts everything below $STATE, deepest first.
unmount_state() {
  awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
}

# clean_iptables removes the KUBE-* and CNI-* chains and every rule jumping
# to them, for IPv4 and IPv6 (the kubelet and kube-proxy write both).
clean_iptables() {
  local ipt tbl c
  [[ -x $K8S_BIN/kube-proxy ]] && "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1
  for ipt in iptables ip6tables; do
    for tbl in nat filter mangle; do
      "$ipt" -t "$tbl" -S 2>/dev/null | grep -E '^-A .*(CNI-|KUBE-)' | sed 's/^-A/-D/' |
        while read -r rule; do eval "$ipt" -t "$tbl" "$rule" 2>/dev/null; done
      for c in $("$ipt" -t "$tbl" -S 2>/dev/null | awk '/^-N (CNI-|KUBE-)/ { print $2 }'); do
        "$ipt" -t "$tbl" -F "$c" 2>/dev/null
      done
      for c in $("$ipt" -t "$tbl" -S 2>/dev/null | awk '/^-N (CNI-|KUBE-)/ { print $2 }'); do
        "$ipt" -t "$tbl" -X "$c" 2>/dev/null
      done
    done
  done
}

# remove_nft_tables deletes the (now empty) nftables tables that iptables-nft
# created for kube-proxy and CNI and that did not exist before up.sh.
remove_nft_tables() {
  local before=$STATE/run/nft-tables.before fam tbl
  command -v nft >/dev/null && [[ -f $before ]] || return 0
  nft list tables | while read -r _ fam tbl; do
    grep -qx "table $fam $tbl" "$before" && continue
    # Only empty tables: a rule left there belongs to someone else.
    if ! nft list table "$fam" "$tbl" 2>/dev/null | grep -qE '^\s+(jump|goto|counter|meta|ip|ip6|ct|tcp|udp|mark|masquerade|dnat|snat|return|accept|drop)\b'; then
      nft delete table "$fam" "$tbl" 2>/dev/null
    fi
  done
}

# remove_cgroups removes the kubelet's (now empty) kubepods hierarchy.
remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}

restore_sysctls() {
  local saved=$STATE/run/sysctl.saved
  [[ -f $saved ]] && while read -r kv; do sysctl -qw "$kv" 2>/dev/null; done <"$saved"
}

# remove_host_paths deletes what the kubelet, CNI and our pods create outside
# $STATE at fixed paths.
remove_host_paths() {
  local d
  find /var/log/containers -maxdepth 1 -type l -lname "$STATE/*" -delete 2>/dev/null
  rmdir /var/log/containers 2>/dev/null
  rm -f /var/lib/cni/results/slipway-* 2>/dev/null
  rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
  rm -rf /tmp/hostpath_pv "$ENTRYPOINT_DIR"
  rmdir "$(dirname "$ENTRYPOINT_DIR")" 2>/dev/null
  if [[ -f $STATE/run/host-dirs.created ]]; then
    while read -r d; do rm -rf "$d"; done <"$STATE/run/host-dirs.created"
  fi
}

main() {
  [[ $EUID -eq 0 ]] || die "must run as root"
  [[ -d $STATE ]] || { log "nothing to tear down ($STATE does not exist)"; return 0; }
  # No graceful pod deletion first: every container is killed below and all
  # network state (bridge, IPAM, iptables) is removed wholesale anyway.
  stop_control_plane
  stop_containers
  unmount_state
  ip link del slipway0 2>/dev/null && log "removed bridge slipway0"
  clean_iptables
  remove_nft_tables
  remove_cgroups
  restore_sysctls
  remove_host_paths
  rm -rf "$STATE" || die "could not remove $STATE"
  log "cluster down; $STATE removed"
}

main "$@"
