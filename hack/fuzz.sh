#!/bin/bash
# make fuzz: runs every Fuzz target of the module for FUZZTIME each (30s by
# default), one at a time (go test fuzzes one target per run). The seed
# corpora also run in `make test`, as ordinary tests. New failing inputs
# are written to the package's testdata/fuzz/ by go test: commit them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

FUZZTIME=${FUZZTIME:-30s}

main() {
  cd "$SLIPWAY_ROOT"
  local file target n=0
  # Found by name, not by `go test -list`, which would build every package.
  while IFS=: read -r file target; do
    target=${target#func }
    target=${target%%(*}
    log "fuzzing ./$(dirname "$file") $target for $FUZZTIME"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "./$(dirname "$file")"
    n=$((n + 1))
  done < <(grep -rno --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(' cmd pkg | cut -d: -f1,3 | sort)
  log "fuzz: $n targets, $FUZZTIME each, no failure"
}

main "$@"
