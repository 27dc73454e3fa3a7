#!/bin/bash
# Runs Tekton Pipelines itself on the local cluster, in Slipway's place, to
# check what must work against Tekton too (the slipway CLI, #13):
#   hack/tekton.sh build      build Tekton's controller, webhook and step images
#                             from the Go module proxy, push them to the registry
#   hack/tekton.sh install    stop Slipway, install Tekton (its CRDs, webhook and
#                             controller, as its release does) and wait for it
#   hack/tekton.sh uninstall  remove Tekton, put Slipway's CRDs back, redeploy Slipway
#   hack/tekton.sh test       install, run test/e2e's TestOnTekton* (-tags 'e2e tekton'),
#                             uninstall (also when a test fails)
# Tekton's CRDs have the names of Slipway's, so the two cannot run at once:
# `make tekton-compat` (and the end of `make e2e`) runs build and test. Tekton's release images are pinned by upstream digest and
# cannot be pulled here; its source is in the module proxy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TEKTON_VERSION=v1.15.0
TEKTON_CMDS="controller webhook entrypoint nop workingdirinit sidecarlogresults"
REG=$(node_ip):$REGISTRY_PORT
WORK=$STATE/tekton
export KUBECONFIG=$STATE/etc/admin.kubeconfig

# tekton_dir is Tekton's module source (its config/ is the release's YAML).
tekton_dir() { (cd "$WORK/src" && go list -m -f '{{.Dir}}' github.com/tektoncd/pipeline); }

build() {
  local t0 n pkgs=() ref
  t0=$(date +%s.%N)
  mkdir -p "$WORK/src" "$WORK/bin"
  printf 'module tektonbuild\n\ngo 1.24\n\nrequire github.com/tektoncd/pipeline %s\n' "$TEKTON_VERSION" >"$WORK/src/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for n in $TEKTON_CMDS; do printf '\t_ "github.com/tektoncd/pipeline/cmd/%s"\n' "$n"; done
    printf ')\n'
  } >"$WORK/src/tools.go"
  for n in $TEKTON_CMDS; do pkgs+=("github.com/tektoncd/pipeline/cmd/$n"); done
  (cd "$WORK/src" && go mod tidy && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$WORK/bin/" "${pkgs[@]}")
  : >"$WORK/images.env.new"
  for n in $TEKTON_CMDS; do
    # ko puts a command at /ko-app/<name>, and Tekton's pods call its
    # entrypoint there.
    ref=$("$TOOLS_BIN/imgtool" bin -bin "$WORK/bin/$n" -dir /ko-app -tag "$REG/tekton/$n:$TEKTON_VERSION")
    echo "$n=${ref%%$'\n'*}" >>"$WORK/images.env.new"
  done
  mv "$WORK/images.env.new" "$WORK/images.env"
  log "Tekton $TEKTON_VERSION built and pushed in $(elapsed "$t0")s"
}

# render writes Tekton's release YAML with the images built here.
render() {
  local dir f n ref sed_args=()
  dir=$(tekton_dir)
  [[ -s $WORK/images.env ]] || die "no Tekton images: run hack/tekton.sh build"
  while IFS='=' read -r n ref; do
    sed_args+=(-e "s#ko://github.com/tektoncd/pipeline/cmd/$n\\b#$ref#g")
  done <"$WORK/images.env"
  # shellcheck source=/dev/null
  source "$STATE/images.env"
  # The shell image Tekton pins by digest is busybox: the local one.
  sed_args+=(-e "s#cgr.dev/chainguard/busybox@sha256:[0-9a-f]*#$BASE_IMAGE#")
  for f in "$dir"/config/100-namespace/*.yaml "$dir"/config/200-*.yaml "$dir"/config/201-*.yaml \
    "$dir"/config/300-crds/*.yaml "$dir"/config/clusterrole-aggregate-*.yaml "$dir"/config/config-*.yaml \
    "$dir"/config/controller.yaml "$dir"/config/webhook.yaml "$dir"/config/500-webhooks.yaml; do
    printf -- '---\n'
    sed "${sed_args[@]}" "$f"
  done >"$WORK/release.yaml"
  ! grep -q 'ko://' "$WORK/release.yaml" || die "an image of Tekton's release YAML was not built: $(grep -m1 -o 'ko://[^"]*' "$WORK/release.yaml")"
}

install() {
  local t0
  t0=$(date +%s.%N)
  render
  log "stopping Slipway (its controller serves its webhooks)"
  kubectl -n slipway scale deployment slipway-controller --replicas=0 >&2
  kubectl delete mutatingwebhookconfiguration webhook.slipway.dev --ignore-not-found >&2
  kubectl -n slipway wait --for=delete pod -l app.kubernetes.io/name=slipway-controller --timeout=120s >&2 || true
  kubectl apply --server-side --force-conflicts -f "$WORK/release.yaml" >&2
  kubectl -n tekton-pipelines rollout status deployment/tekton-pipelines-webhook --timeout=180s >&2
  kubectl -n tekton-pipelines rollout status deployment/tekton-pipelines-controller --timeout=180s >&2
  wait_webhook
  log "Tekton $TEKTON_VERSION installed in $(elapsed "$t0")s"
}

# wait_webhook waits until Tekton's webhook defaults and validates a Task.
wait_webhook() {
  local i
  for i in $(seq 120); do
    if kubectl create --dry-run=server -o name -f - >/dev/null 2>&1 <<'YAML'; then return; fi
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: probe, namespace: default}
spec:
  steps: [{name: s, image: busybox, script: "true"}]
YAML
    sleep 1
  done
  die "Tekton's webhook did not answer within 2 minutes"
}

uninstall() {
  local t0 f
  t0=$(date +%s.%N)
  if [[ -s $WORK/release.yaml ]]; then
    # Everything of Tekton's but the CRDs, which are Slipway's names too:
    # deleting them would delete every run in the cluster.
    kubectl delete --ignore-not-found --wait=true -f <(awk '
      /^---/ { if (doc !~ /kind: CustomResourceDefinition/) printf "%s", doc; doc = ""; }
      { doc = doc $0 "\n" }
      END { if (doc !~ /kind: CustomResourceDefinition/) printf "%s", doc }' "$WORK/release.yaml") >&2 || true
  fi
  kubectl delete --ignore-not-found crd resolutionrequests.resolution.tekton.dev verificationpolicies.tekton.dev >&2
  # Replaced whole, so that nothing of Tekton's CRDs (their conversion
  # webhook, labels, columns) stays behind; then Slipway's deploy.
  for f in "$SLIPWAY_ROOT"/config/crd-*.yaml; do
    kubectl replace -f "$f" >&2 2>/dev/null || kubectl create -f "$f" >&2
  done
  "$SLIPWAY_ROOT/hack/deploy.sh"
  log "Tekton removed, Slipway back in $(elapsed "$t0")s"
}

# run_tests uninstalls on the way out, whatever failed.
run_tests() {
  trap uninstall EXIT
  install
  (cd "$SLIPWAY_ROOT" && go test -tags 'e2e tekton' -count=1 -timeout 10m -run '^TestOnTekton' -v ./test/e2e/)
}

case ${1:-} in
build) build ;;
install) install ;;
uninstall) uninstall ;;
test) run_tests ;;
*) die "usage: hack/tekton.sh build|install|uninstall|test" ;;
esac
