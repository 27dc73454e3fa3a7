#!/bin/bash
# Measures the floor a TaskRun competes with: a raw one-container Pod
# (image present, `true`) from `kubectl create` to phase Succeeded, N times,
# and prints every sample and the median. Includes kubectl's own start-up.
# With KIND=taskrun it times a one-step TaskRun doing the same work instead.
#   [KIND=pod|taskrun] hack/pod-latency.sh [N]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export KUBECONFIG=$STATE/etc/admin.kubeconfig
N=${1:-7}
KIND=${KIND:-pod}

pod_yaml() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: default}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, imagePullPolicy: IfNotPresent, command: ["true"]}]
YAML
}

taskrun_yaml() {
  cat <<YAML
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: $1, namespace: default}
spec:
  taskSpec:
    steps: [{name: c, image: busybox, command: ["true"]}]
YAML
}

# one_run NAME: prints the seconds from create to Succeeded.
one_run() {
  local t0
  t0=$(date +%s.%N)
  if [[ $KIND == taskrun ]]; then
    taskrun_yaml "$1" | kubectl create -f - >/dev/null
    kubectl wait --for=condition=Succeeded "taskrun/$1" --timeout=60s >/dev/null
  else
    pod_yaml "$1" | kubectl create -f - >/dev/null
    kubectl wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$1" --timeout=60s >/dev/null
  fi
  elapsed "$t0"
  kubectl delete "$KIND" "$1" --wait=false >/dev/null
}

main() {
  local i samples=()
  one_run latency-warmup >/dev/null # pulls the image once
  for i in $(seq "$N"); do samples+=("$(one_run "latency-$i")"); done
  printf '%s\n' "${samples[@]}" | sort -n | awk '
    { v[NR] = $1; printf "sample %.2fs\n", $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "'"$KIND"' create->Succeeded: median %.2fs (min %.2fs, max %.2fs, n=%d)\n", m, v[1], v[NR], NR }'
}

main "$@"
