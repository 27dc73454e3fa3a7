#!/bin/bash
# Runs examples/taskrun-hello.yaml, waits until it succeeds (fails if it does
# not), then shows `kubectl get taskrun` and the step logs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export KUBECONFIG=$STATE/etc/admin.kubeconfig
NAME=hello
TIMEOUT=${DEMO_TIMEOUT:-120}

# succeeded prints the TaskRun's Succeeded condition status (True/False/Unknown/"").
succeeded() {
  kubectl get taskrun "$NAME" -o jsonpath='{.status.conditions[?(@.type=="Succeeded")].status}'
}

wait_done() {
  local end=$(( $(date +%s) + TIMEOUT )) s
  while (( $(date +%s) < end )); do
    s=$(succeeded)
    [[ $s == True ]] && return 0
    [[ $s == False ]] && return 1
    sleep 0.2
  done
  log "TaskRun $NAME did not finish within ${TIMEOUT}s"
  return 1
}

show() {
  local pod c
  kubectl get taskrun "$NAME"
  pod=$(kubectl get taskrun "$NAME" -o jsonpath='{.status.podName}')
  echo "--- logs of pod ${pod:=$NAME-pod}, in step order"
  for c in $(kubectl get pod "$pod" -o jsonpath='{.spec.containers[*].name}'); do
    kubectl logs "$pod" -c "$c" --prefix || true
  done
}

main() {
  local t0 ok=0
  # Foreground: wait until the old run's pod is gone too, or the new TaskRun
  # would find a pod with its name that it does not own.
  kubectl delete taskrun "$NAME" --ignore-not-found --cascade=foreground --wait=true >/dev/null
  t0=$(date +%s.%N)
  kubectl create -f "$SLIPWAY_ROOT/examples/taskrun-hello.yaml" >/dev/null
  wait_done || ok=$?
  log "TaskRun $NAME finished in $(elapsed "$t0")s"
  show
  if (( ok != 0 )); then
    kubectl get taskrun "$NAME" -o yaml | sed -n '/^status:/,$p' >&2
    die "TaskRun $NAME did not succeed"
  fi
}

main "$@"
