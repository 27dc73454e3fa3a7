#!/bin/bash
# Starts the single-node cluster from the binaries that hack/prepare.sh left
# in the cache: containerd + CNI bridge, the registry, etcd, the control
# plane, kubelet and kube-proxy. All state lives under $STATE. Idempotent:
# returns at once when the cluster already answers.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

ETC=$STATE/etc
PKI=$STATE/pki
SOCK=$STATE/run/containerd/containerd.sock
NODE=$(hostname | tr '[:upper:]' '[:lower:]')
NODE_IP=$(node_ip)
export KUBECONFIG=$ETC/admin.kubeconfig

cluster_ready() {
  is_running kube-apiserver && is_running kubelet && is_running registry &&
    kubectl get --raw /readyz >/dev/null 2>&1
}

# Paths that the kubelet, containerd and mount(8) create outside $STATE no
# matter how they are configured. down.sh removes those that we created.
HOST_DIRS=(/var/lib/kubelet /run/containerd /run/mount /var/log/containers /var/lib/cni)

# record_host_state notes, once, which host dirs and nftables tables exist
# before we start, so that down.sh removes exactly what the cluster added.
record_host_state() {
  local d
  [[ -f $STATE/run/host-dirs.created ]] && return
  for d in "${HOST_DIRS[@]}"; do [[ -e $d ]] || echo "$d"; done >"$STATE/run/host-dirs.created"
  if command -v nft >/dev/null; then nft list tables >"$STATE/run/nft-tables.before"; fi
  return 0
}

# host_setup enables forwarding for the pod bridge, remembering the previous
# values so that hack/cluster/down.sh can restore them.
host_setup() {
  local saved=$STATE/run/sysctl.saved k
  record_host_state
  modprobe br_netfilter 2>/dev/null || true
  if [[ ! -f $saved ]]; then
    for k in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do
      sysctl -n "$k" >/dev/null 2>&1 && echo "$k=$(sysctl -n "$k")"
    done >"$saved"
  fi
  sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
}

# render TEMPLATE DEST: copy a hack/cluster/etc template, filling placeholders.
render() {
  mkdir -p "$(dirname "$2")"
  sed -e "s|@STATE@|$STATE|g" -e "s|@NODE_IP@|$NODE_IP|g" -e "s|@SERVER@|${3:-}|g" -e "s|@DNS_IP@|$CLUSTER_DNS_IP|g" \
    "$SLIPWAY_ROOT/hack/cluster/etc/$1" >"$2"
}

render_configs() {
  local h
  render containerd.toml "$ETC/containerd/config.toml"
  render cni.conflist "$ETC/cni/net.d/10-slipway.conflist"
  render kubelet.yaml "$ETC/kubelet.yaml"
  render kube-proxy.yaml "$ETC/kube-proxy.yaml"
  # Every registry that Tekton YAML in the wild pulls from, plus the local
  # registry's own names, resolve to the local registry over plain HTTP.
  for h in docker.io index.docker.io registry-1.docker.io mirror.gcr.io gcr.io ghcr.io quay.io \
    127.0.0.1:5000 localhost:5000 "$NODE_IP:5000"; do
    render hosts.toml "$ETC/containerd/certs.d/$h/hosts.toml" "$h"
  done
}

start_containerd() {
  start_daemon containerd containerd --config "$ETC/containerd/config.toml"
  wait_for containerd 30 ctr --address "$SOCK" version
  # The sandbox image is imported, never pulled (registry.k8s.io is not reachable).
  if ! ctr --address "$SOCK" -n k8s.io images ls -q | grep -qx registry.k8s.io/pause:3.10; then
    ctr --address "$SOCK" -n k8s.io images import "$CACHE/images/pause.tar" >/dev/null
  fi
}

start_registry() {
  start_daemon registry "$TOOLS_BIN/registry" -addr "0.0.0.0:$REGISTRY_PORT" -dir "$STATE/var/registry"
  wait_for registry 15 curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/"
  # The answer may come from another process on the port (one left behind):
  # ours must still run.
  is_running registry || die "the registry exited (port $REGISTRY_PORT taken?): $(tail -1 "$STATE/logs/registry.log")"
}

start_etcd() {
  start_daemon etcd etcd --name slipway --data-dir "$STATE/var/lib/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster slipway=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
  wait_for etcd 30 curl -sf http://127.0.0.1:2379/health
}

start_apiserver() {
  start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=0.0.0.0 --secure-port=6443 --advertise-address="$NODE_IP" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --service-cluster-ip-range=10.96.0.0/24 \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --allow-privileged=true --profiling=true --v=1
  wait_for kube-apiserver 120 kubectl get --raw /readyz
}

# start_controllers: raised client QPS so that benchmarks creating hundreds of
# pods per second are not throttled by client-side rate limits.
start_controllers() {
  start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$ETC/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$ETC/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$ETC/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range=10.96.0.0/24 \
    --enable-hostpath-provisioner=true --kube-api-qps=300 --kube-api-burst=600 --v=1
  start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$ETC/scheduler.kubeconfig" \
    --authentication-kubeconfig="$ETC/scheduler.kubeconfig" \
    --authorization-kubeconfig="$ETC/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --kube-api-qps=300 --kube-api-burst=600 --v=1
}

start_node() {
  start_daemon kubelet "$K8S_BIN/kubelet" --config="$ETC/kubelet.yaml" \
    --kubeconfig="$ETC/kubelet.kubeconfig" --hostname-override="$NODE" --node-ip="$NODE_IP" \
    --root-dir="$STATE/var/lib/kubelet" --cert-dir="$STATE/var/lib/kubelet/pki" --v=1
  start_daemon kube-proxy "$K8S_BIN/kube-proxy" --config="$ETC/kube-proxy.yaml" \
    --hostname-override="$NODE" --v=1
}

# apply_cluster_objects: the default StorageClass, and RBAC that lets the
# kubelet read what a new pod needs without waiting for the Node authorizer's
# graph (see etc/node-rbac.yaml). Also run on an already running cluster.
apply_cluster_objects() {
  kubectl apply -f "$SLIPWAY_ROOT/hack/cluster/etc/storageclass.yaml" \
    -f "$SLIPWAY_ROOT/hack/cluster/etc/node-rbac.yaml" >/dev/null
}

# refresh_configs: on a running cluster, re-render the CNI and kubelet
# configurations (for example for a cluster started before pods were
# masqueraded or clusterDNS was set). containerd reads the CNI file for every
# new pod; the kubelet is restarted when its file changed (containers keep
# running across a kubelet restart; pods get a new resolv.conf only when they
# are recreated).
refresh_configs() {
  local cni=$ETC/cni/net.d/10-slipway.conflist kubelet=$ETC/kubelet.yaml
  render cni.conflist "$cni.new"
  if cmp -s "$cni.new" "$cni"; then rm -f "$cni.new"; else mv "$cni.new" "$cni" && log "CNI configuration updated"; fi
  render kubelet.yaml "$kubelet.new"
  if cmp -s "$kubelet.new" "$kubelet"; then rm -f "$kubelet.new"; return; fi
  mv "$kubelet.new" "$kubelet"
  log "kubelet configuration changed: restarting the kubelet"
  stop_daemons kubelet
  start_node
  wait_for kubelet 60 curl -sf http://127.0.0.1:10248/healthz
  wait_for "node Ready" 120 kubectl wait --for=condition=Ready "node/$NODE" --timeout=2s
}

wait_ready() {
  wait_for controller-manager 60 curl -sfk https://127.0.0.1:10257/healthz
  wait_for scheduler 60 curl -sfk https://127.0.0.1:10259/healthz
  wait_for kubelet 60 curl -sf http://127.0.0.1:10248/healthz
  wait_for kube-proxy 60 curl -sf http://127.0.0.1:10256/healthz
  wait_for "node $NODE" 60 kubectl get node "$NODE"
  wait_for "node Ready" 120 kubectl wait --for=condition=Ready "node/$NODE" --timeout=2s
  apply_cluster_objects
  # Pods cannot be created in a namespace before its ServiceAccount exists.
  wait_for "default ServiceAccount" 60 kubectl -n default get serviceaccount default
}

main() {
  [[ $EUID -eq 0 ]] || die "must run as root (containerd, kubelet, iptables)"
  [[ -x $K8S_BIN/kubelet && -x $TOOLS_BIN/registry ]] || die "run hack/prepare.sh first"
  mkdir -p "$STATE"/{logs,run,etc} "$STATE"/var/lib/{etcd,kubelet,cni/networks} "$STATE/var/log/pods"
  if cluster_ready; then
    refresh_configs
    apply_cluster_objects
    log "cluster already running"
    return
  fi
  local t0; t0=$(date +%s.%N)
  host_setup
  render_configs
  NODE=$NODE NODE_IP=$NODE_IP "$SLIPWAY_ROOT/hack/cluster/certs.sh"
  start_containerd
  start_registry
  start_etcd
  start_apiserver
  start_controllers
  start_node
  wait_ready
  log "cluster up in $(elapsed "$t0")s: node $NODE ($NODE_IP), KUBECONFIG=$KUBECONFIG"
}

main "$@"
