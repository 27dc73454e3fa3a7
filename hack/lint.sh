#!/bin/bash
# Static checks, run by `make test` before the tests: gofmt, go vet,
# staticcheck (pinned, installed through the Go module proxy into the
# cache) and hack/lint (function length, log keys and messages).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

STATICCHECK_VERSION=v0.8.2

main() {
  cd "$SLIPWAY_ROOT"
  local bad
  bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find cmd pkg hack test -name '*.go'))
  [[ -z $bad ]] || die "gofmt would change: $bad"
  go vet ./...
  go vet -tags e2e ./test/...
  go vet -tags chaos ./test/chaos/
  local sc=$TOOLS_BIN/staticcheck-$STATICCHECK_VERSION
  if [[ ! -x $sc ]]; then
    log "installing staticcheck $STATICCHECK_VERSION (Go module proxy)"
    mkdir -p "$TOOLS_BIN"
    GOBIN=$(mktemp -d) && GOBIN=$GOBIN go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" &&
      mv "$GOBIN/staticcheck" "$sc"
  fi
  "$sc" ./...
  go run ./hack/lint cmd pkg
  log "lint: gofmt, go vet, staticcheck $STATICCHECK_VERSION, hack/lint passed"
}

main "$@"
