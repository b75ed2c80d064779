# zonemesh — `make run` runs the main job, `make test` runs the tests. Both set up what they need.
SHELL := /bin/bash
GO ?= go
BIN := bin/zonemesh
OUT ?= out/run
export CGO_ENABLED ?= 0
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: all build run test test-defects test-short bench fmt vet lint clean deps tools defects

all: build

deps:
	$(GO) mod download

# tools installs what tests need from Debian's archive (each scripts/ensure-*.sh is idempotent).
tools:
	@for f in scripts/ensure-*.sh; do [ -e "$$f" ] || continue; bash "$$f" || exit 1; done

build: deps
	$(GO) build -o $(BIN) ./cmd/zonemesh

# The main job: the default scenario on the process backend, ending with report.html and a
# one-screen summary.
SCENARIO ?= scenarios/multizone-basic.yaml
# defects builds the test-only binary with seeded defects (never used by a production build).
defects: build
	$(GO) build -tags zonemesh_defects -o bin/zonemesh-defects ./cmd/zonemesh

run: build
	rm -rf $(OUT)
	./$(BIN) run $(SCENARIO) --out $(OUT)

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# End-to-end packages start whole topologies of processes or containers and time them: they
# run one package at a time, after the rest, so they do not compete with each other for the
# two cores.
E2E_PKGS := ./harness/run/... ./harness/target/... ./conformance/... ./harness/backend/docker/... ./sim/measure/... ./harness/kubetest/nodeagent/...
E2E_RE := /harness/run|/harness/target|/conformance|/harness/backend/docker|/sim/measure|/harness/kubetest/nodeagent

test: build tools fmt vet
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -vE '$(E2E_RE)')
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m -p 1 $(E2E_PKGS)

# test-defects runs the conformance suite against every seeded defect (one mesh each, about 4
# minutes), the longest test, kept out of `make test`; CI runs both.
test-defects: build tools
	ZONEMESH_DEFECT_TESTS=1 CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m -run '^TestEveryDefectIsCaught$$' -v ./harness/target/

test-short: build
	$(GO) test -short -count=1 ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
