# Slipway's front door. Everything runs as root on one machine: a real
# single-node Kubernetes (see hack/), its own registry, and Slipway on it.
#   make up          prepare, start the cluster, push images, deploy, start the
#                    test git server, install Knative Serving and the catalog,
#                    run the demo (SLIPWAY_KNATIVE=0: Slipway and TaskRuns only)
#   make down        stop everything and remove all cluster state
#   make kubeconfig  print the admin kubeconfig path (last line)
#   make demo        examples/taskrun-hello.yaml with its logs, then source to
#                    URL: the sample app v1, a v2 canary, promotion (URL + page)
#   make test        lint (gofmt, vet, staticcheck, hack/lint), then unit +
#                    integration tests (envtest)
#   make e2e         make up, then the e2e and conformance suites against the
#                    cluster, then tekton-compat (SLIPWAY_TEKTON=0: not that)
#   make tekton-compat  the CLI against Tekton Pipelines itself, built from the
#                    module proxy and installed in Slipway's place for the run
#                    (hack/tekton.sh; Slipway is redeployed after)
#   make bench       make up, then the benchmarks (test/bench)
#   make chaos       make up, then test/chaos: controller kills, leader
#                    crashes, API server restarts, hostile specs; writes
#                    docs/reliability.md
#   make fuzz        every Fuzz target for FUZZTIME each (default 30s); their
#                    seed corpora already run in make test
#   make ci          test + e2e (what .ci/run runs)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

STATE ?= $(or $(SLIPWAY_STATE),/var/lib/slipway-cluster)
export SLIPWAY_STATE := $(STATE)
KUBECONFIG_PATH := $(STATE)/etc/admin.kubeconfig
GO_TEST_FLAGS ?=
E2E_TIMEOUT ?= 30m

.PHONY: up down kubeconfig demo test lint e2e tekton-compat bench fuzz chaos ci check prepare cluster images deploy gitserver knative catalog

up:
	hack/up.sh
	@if [[ -f $(STATE)/not-deployed ]]; then \
	  echo "Slipway not deployed (sources missing): skipping the demo"; \
	else \
	  $(MAKE) --no-print-directory demo; \
	fi

down:
	hack/cluster/down.sh

kubeconfig:
	@test -f $(KUBECONFIG_PATH) || { echo "no cluster: run make up" >&2; exit 1; }
	@echo $(KUBECONFIG_PATH)

demo:
	hack/demo.sh

# Pieces of `make up`, for working on one of them.
prepare:
	hack/prepare.sh
cluster: prepare
	hack/cluster/up.sh
images:
	hack/images.sh
deploy:
	hack/deploy.sh
gitserver:
	hack/gitserver.sh
knative:
	hack/knative/install.sh
catalog:
	hack/catalog.sh

test: lint
	KUBEBUILDER_ASSETS=$$(hack/envtest-assets.sh) go test $(GO_TEST_FLAGS) ./...

fuzz:
	hack/fuzz.sh

CHAOS_TIMEOUT ?= 90m
chaos: up
	KUBECONFIG=$(KUBECONFIG_PATH) go test -tags chaos -count=1 -timeout $(CHAOS_TIMEOUT) -v $(GO_TEST_FLAGS) ./test/chaos/ \
	  -args -report $(CURDIR)/docs/reliability.md -state $(STATE) -root $(CURDIR)

# gofmt, go vet, staticcheck (pinned) and hack/lint (function length, log keys).
lint:
	hack/lint.sh

e2e: up
	@if [[ -d test/e2e ]]; then \
	  KUBECONFIG=$(KUBECONFIG_PATH) go test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) $(GO_TEST_FLAGS) ./test/e2e/... ./test/conformance/...; \
	else \
	  echo "test/e2e does not exist yet: no e2e tests to run"; \
	fi
	@if [[ $${SLIPWAY_TEKTON:-1} != 0 ]]; then $(MAKE) --no-print-directory tekton-compat-run; fi

tekton-compat: up
	$(MAKE) --no-print-directory tekton-compat-run

# After the suites: it stops Slipway while Tekton runs.
tekton-compat-run:
	hack/tekton.sh build
	hack/tekton.sh test

BENCH_FLAGS ?=
bench: up
	@if [[ -x hack/bench.sh ]]; then \
	  KUBECONFIG=$(KUBECONFIG_PATH) hack/bench.sh; \
	elif [[ -d test/bench ]]; then \
	  KUBECONFIG=$(KUBECONFIG_PATH) go run ./test/bench $(BENCH_FLAGS); \
	else \
	  echo "no benchmark yet (hack/bench.sh or test/bench)"; \
	fi

ci: test e2e
check: ci
