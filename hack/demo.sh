#!/bin/bash
# The demo `make up` ends with:
#  1. examples/taskrun-hello.yaml: waits until it succeeds, then shows
#     `kubectl get taskrun` and the step logs.
#  2. Source to URL (when `make up` installed Knative): the sample app of the
#     test git server becomes a URL through the catalog's source-to-url
#     Pipeline (examples/pipelinerun-source-to-url.yaml): v1 (100%), then the
#     repository's main moves to v2, which rolls out as a 20% canary with a
#     tag URL, then is promoted to 100%. Prints every URL with the page it
#     serves and the measured source-to-URL times; ends with the URL and page.
# Fails when a run fails or a URL serves the wrong page.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

export KUBECONFIG=$STATE/etc/admin.kubeconfig
NAME=hello
TIMEOUT=${DEMO_TIMEOUT:-120}
S2U_TIMEOUT=${DEMO_S2U_TIMEOUT:-300}
S2U_EXAMPLE=$SLIPWAY_ROOT/examples/pipelinerun-source-to-url.yaml
SVC=sample-app

# condition KIND NAME prints the Succeeded condition status (True/False/Unknown/"").
condition() {
  kubectl get "$1" "$2" -o jsonpath='{.status.conditions[?(@.type=="Succeeded")].status}'
}

# wait_done KIND NAME SECONDS: until Succeeded is True (0) or False (1).
wait_done() {
  local end=$(( $(date +%s) + $3 )) s
  while (( $(date +%s) < end )); do
    s=$(condition "$1" "$2")
    [[ $s == True ]] && return 0
    [[ $s == False ]] && return 1
    sleep 0.2
  done
  log "$1 $2 did not finish within $3s"
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

hello() {
  local t0 ok=0
  # Foreground: wait until the old run's pod is gone too, or the new TaskRun
  # would find a pod with its name that it does not own.
  kubectl delete taskrun "$NAME" --ignore-not-found --cascade=foreground --wait=true >/dev/null
  t0=$(date +%s.%N)
  kubectl create -f "$SLIPWAY_ROOT/examples/taskrun-hello.yaml" >/dev/null
  wait_done taskrun "$NAME" "$TIMEOUT" || ok=$?
  log "TaskRun $NAME finished in $(elapsed "$t0")s"
  show
  if (( ok != 0 )); then
    kubectl get taskrun "$NAME" -o yaml | sed -n '/^status:/,$p' >&2
    die "TaskRun $NAME did not succeed"
  fi
}

# --- source to URL -----------------------------------------------------------

# fetch URL: GET through the test ingress on the node's port 80 (no DNS).
fetch() { curl -sf --max-time 10 --connect-to "::127.0.0.1:80" "$1"; }

# result PIPELINERUN NAME prints one of its results.
result() { kubectl get pipelinerun "$1" -o jsonpath="{.status.results[?(@.name==\"$2\")].value}"; }

# explain PIPELINERUN: its status and the logs of its failed TaskRuns' steps.
explain() {
  local tr pod
  kubectl get pipelinerun "$1" -o yaml | sed -n '/^status:/,$p' >&2
  for tr in $(kubectl get taskrun -l "tekton.dev/pipelineRun=$1" -o name); do
    [[ $(kubectl get "$tr" -o jsonpath='{.status.conditions[?(@.type=="Succeeded")].status}') == False ]] ||
      continue
    pod=$(kubectl get "$tr" -o jsonpath='{.status.podName}')
    [[ -n $pod ]] && kubectl logs "$pod" --all-containers --prefix >&2 || true
  done
}

# source_to_url MODE: runs the example PipelineRun with traffic-mode MODE,
# sets PR to its name and prints how long it took.
source_to_url() {
  local mode=$1 t0 yaml
  yaml=$(sed "s/{name: traffic-mode, value: latest}/{name: traffic-mode, value: $mode}/" "$S2U_EXAMPLE")
  grep -q "traffic-mode, value: $mode}" <<<"$yaml" || die "$S2U_EXAMPLE has no traffic-mode param to set"
  t0=$(date +%s.%N)
  PR=$(kubectl create -o name -f - <<<"$yaml") && PR=${PR#*/}
  if ! wait_done pipelinerun "$PR" "$S2U_TIMEOUT"; then
    explain "$PR"
    die "PipelineRun $PR ($mode) did not succeed"
  fi
  S2U_TIMES+=("$mode $(elapsed "$t0")s")
  log "source to URL ($mode): PipelineRun $PR succeeded in $(elapsed "$t0")s, revision $(result "$PR" REVISION)"
}

# show_page URL WANT: prints URL and its page; fails unless it says WANT.
show_page() {
  local page
  page=$(fetch "$1") || die "cannot fetch $1"
  printf '%s serves:\n%s\n' "$1" "$page"
  grep -q "$2" <<<"$page" || die "$1 does not serve \"$2\""
}

# share URL N: of N requests to URL, how many served v1 and v2.
share() {
  local i v1=0 v2=0 page
  for i in $(seq "$2"); do
    page=$(fetch "$1") || true
    case $page in *"Slipway v1"*) v1=$((v1 + 1)) ;; *"Slipway v2"*) v2=$((v2 + 1)) ;; esac
  done
  echo "$v1 v1 / $v2 v2"
}

demo_source_to_url() {
  local git_root url tag mix
  git_root=$(sed -n 's/^SLIPWAY_GIT_ROOT=//p' "$STATE/gitserver.env")
  S2U_TIMES=()
  # Start over: the repository's main at v1, no Service, no old runs.
  git --git-dir="$git_root/$SVC/.git" update-ref refs/heads/main 'refs/tags/v1^{commit}'
  kubectl delete pipelinerun -l app.kubernetes.io/part-of=slipway-demo --ignore-not-found --wait=false >/dev/null
  # Foreground: a Service deleted in the background leaves its Route to the
  # garbage collector for a while, and a new Service of that name would find a
  # Route it does not own (Ready False, NotOwned) and fail the first run.
  kubectl delete ksvc "$SVC" --ignore-not-found --cascade=foreground --wait=true >/dev/null

  echo "=== source to URL: $SVC at v1 (main), all traffic"
  source_to_url latest
  url=$(result "$PR" URL)
  show_page "$url" "Slipway v1"

  echo "=== main moves to v2: 20% canary with tag canary"
  "$TOOLS_BIN/gitserver" -root "$git_root" -promote "$SVC"
  source_to_url canary
  tag=$(result "$PR" TAG_URL)
  show_page "$tag" "Slipway v2"
  mix=$(share "$url" 20)
  echo "$url, 20 requests: $mix"

  echo "=== promote v2: all traffic"
  source_to_url promote
  mix=$(share "$url" 20)
  echo "$url, 20 requests: $mix"
  [[ $mix == "0 v1 / 20 v2" ]] || die "after promotion $url still serves v1 ($mix)"
  log "source-to-URL times: ${S2U_TIMES[*]}"
  show_page "$url" "Slipway v2"
}

main() {
  hello
  [[ -f $STATE/knative-failed ]] && die "no source-to-url demo: Knative Serving failed to install (see make up's log)"
  if [[ ! -f $STATE/knative-ready ]]; then
    log "Knative not installed by make up (SLIPWAY_KNATIVE=0?): no source-to-url demo"
    return
  fi
  demo_source_to_url
}

main "$@"
