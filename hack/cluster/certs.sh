#!/bin/bash
# Generates the cluster PKI under $STATE/pki and one kubeconfig per component
# under $STATE/etc. Idempotent: keeps an existing CA (and everything signed),
# re-issuing only the node's certificates when its name or IP changed.
#   NODE=<name> NODE_IP=<ip> hack/cluster/certs.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

PKI=$STATE/pki
NODE=${NODE:?}
NODE_IP=${NODE_IP:?}

# sign NAME SUBJECT [SANS]: key + certificate signed by the CA. With SANs the
# certificate serves TLS too; without, it is a client certificate only.
sign() {
  local n=$1 subj=$2 san=${3:-}
  openssl req -newkey rsa:2048 -nodes -keyout "$n.key" -out "$n.csr" -subj "$subj" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } > "$n.ext"
  openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "$n.crt" -days 3650 -extfile "$n.ext" 2>/dev/null
  rm -f "$n.csr" "$n.ext"
}

# kubeconfig NAME USER: a kubeconfig using NAME's client certificate.
kubeconfig() {
  cat > "$STATE/etc/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: slipway
  cluster:
    certificate-authority: $PKI/ca.crt
    server: https://127.0.0.1:6443
users:
- name: $2
  user:
    client-certificate: $PKI/$1.crt
    client-key: $PKI/$1.key
contexts:
- name: slipway
  context: {cluster: slipway, user: $2}
current-context: slipway
KC
}

# sign_node_certs: the certificates that name this node: the API server's
# (its IP and hostname as SANs) and the kubelet's (system:node:<name> in
# system:nodes, the identity the Node authorizer matches to the Node object).
sign_node_certs() {
  local svc=kubernetes.default.svc
  sign apiserver "/CN=kube-apiserver" \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:$svc,DNS:$svc.cluster.local,DNS:$NODE,IP:127.0.0.1,IP:10.96.0.1,IP:$NODE_IP"
  sign kubelet "/O=system:nodes/CN=system:node:$NODE"
  kubeconfig kubelet "system:node:$NODE"
}

# node_certs_current: the kubelet's certificate names this node and the API
# server's covers its IP. A $STATE kept from a machine with another hostname
# or address would otherwise make the Node authorizer refuse the kubelet.
node_certs_current() {
  openssl x509 -in kubelet.crt -noout -subject | grep -q "CN *= *system:node:$NODE\$" &&
    openssl x509 -in apiserver.crt -noout -ext subjectAltName | grep -q "IP Address:$NODE_IP\b"
}

main() {
  mkdir -p "$PKI" "$STATE/etc"
  cd "$PKI"
  if [[ -f ca.crt ]]; then
    node_certs_current && return
    log "node name or IP changed: re-issuing the API server and kubelet certificates for $NODE ($NODE_IP)"
    sign_node_certs
    return
  fi
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=slipway-local-ca" 2>/dev/null
  sign_node_certs
  sign admin "/O=system:masters/CN=admin"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  sign controller-manager "/CN=system:kube-controller-manager"
  sign scheduler "/CN=system:kube-scheduler"
  sign kube-proxy "/CN=system:kube-proxy"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  kubeconfig admin admin
  kubeconfig controller-manager system:kube-controller-manager
  kubeconfig scheduler system:kube-scheduler
  kubeconfig kube-proxy system:kube-proxy
  log "generated PKI for node $NODE ($NODE_IP)"
}

main "$@"
