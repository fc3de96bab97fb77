# OneLogin Helpdesk. `make run` and `make test` are all the set-up there is.
GO       ?= go
BIN      ?= bin/helpdesk
PKGS     := ./...

.DEFAULT_GOAL := run
.PHONY: help run test unit race-build e2e-build e2e e2e-deps testservers build generate generate-check lint docker bench clean

## help: this list of targets
help:
	@awk '/^## [a-z0-9-]+: / { sub(/^## /, ""); i = index($$0, ": "); \
		printf "  %-15s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }' $(firstword $(MAKEFILE_LIST))

## run: the console in demo mode, on the embedded fake tenant
run:
	HELPDESK_DEMO=true $(GO) run .

## test: every check and test, browser tests included; installs what it needs
# Lint, the Go tests and the browser journeys run side by side, and the
# browser's packages install meanwhile: all of it is bound by the two
# cores, and each leaves the others room. Every Go build waits for the
# template check, which compiles the standard library once for all of
# them (go commands running at once would each compile it), and lint waits
# for the journeys' build, so the console's packages compile once.
# GOGC=400: the compiler and the tests collect garbage a quarter as often,
# which took a sixth off compiling the console's packages (75 to 62
# CPU-seconds); the machine has memory to spare for it.
test:
	@GOGC=400 $(MAKE) --no-print-directory -j4 --output-sync=target lint unit e2e LINT_AFTER=e2e-build

## testservers: build the pinned mailpit and oauth2-proxy the tests run (testservers/go.mod) into the cache
# mailpit is a real SMTP server with an HTTP API, for the mail tests;
# oauth2-proxy stands in front of the console in a browser journey. One
# build for both compiles what they share once.
TESTSERVERS := $(CURDIR)/.cache/testservers
MAILPIT_BIN := $(TESTSERVERS)/mailpit
OAUTH2_PROXY_BIN := $(TESTSERVERS)/oauth2-proxy
testservers: $(MAILPIT_BIN) $(OAUTH2_PROXY_BIN)
$(MAILPIT_BIN) $(OAUTH2_PROXY_BIN) &: testservers/go.mod testservers/go.sum | generate-check
	cd testservers && $(GO) build -o $(TESTSERVERS)/ github.com/axllent/mailpit github.com/oauth2-proxy/oauth2-proxy/v7

## unit: every Go test, with the race detector, on a throwaway PostgreSQL cluster
# and against a real mailpit; scripts/test-postgres.sh installs Debian's
# postgresql when missing and removes the cluster afterwards; tests that need
# either fail without it.
# The race detector watches every package, modernc.org's SQLite included:
# leaving that one uninstrumented made it report races inside
# encoding/json's type cache that a fully instrumented build never shows
# (5 runs in 150 of one test), and it does not promise to work mixed.
# A race binary idles a second at exit for goroutines its tests left
# running (GORACE atexit_sleep_ms); races while the tests run are reported
# as before, and a second per package is not spent. go vet runs in lint.
# Four packages run at once: many of them mostly wait on PostgreSQL,
# mailpit or their own servers. GOGC=400: a test binary lives seconds, so
# it collects less often and spends the memory instead (8 of 142
# CPU-seconds).
# The test binaries carry no debug information (DWARF): nobody steps
# through them in a debugger here, and writing it was a tenth of compiling
# and linking them.
RACE := -race -gcflags=all=-dwarf=false -ldflags=-w
unit: race-build $(MAILPIT_BIN)
	HELPDESK_TEST_REQUIRE_DATABASE=1 MAILPIT_BIN="$(MAILPIT_BIN)" HELPDESK_TEST_REQUIRE_MAILPIT=1 GORACE=atexit_sleep_ms=0 GOGC=400 \
	scripts/test-postgres.sh run $(GO) test $(RACE) -vet=off -p 4 -count=1 $(PKGS)

# race-build compiles the packages for the race tests while the test servers build
# (go list -export compiles them into the build cache, and links nothing).
race-build: | generate-check
	$(GO) list -export -deps $(RACE) $(PKGS) >/dev/null

## e2e-deps: install chromium-headless-shell, node, playwright-core and axe-core when missing
E2E_CACHE ?= $(CURDIR)/.cache/e2e
e2e-deps:
	scripts/e2e-deps.sh "$(E2E_CACHE)"

# e2e-build compiles the journeys' packages once for them and for lint,
# which would otherwise compile the same packages at the same time, and
# after the test servers, so the SQLite both link compiles once (go list
# -export compiles into the build cache, and links nothing).
e2e-build: | $(MAILPIT_BIN)
	$(GO) list -export -deps -test -tags e2e ./e2e/... >/dev/null

## e2e: browser journeys on the console and its fake tenant, through oauth2-proxy,
## and the mails through a real mailpit
# Each journey has its own console and browser context, so they run
# E2E_PARALLEL at a time; one that measures time runs alone.
E2E_PARALLEL ?= 4
e2e: e2e-deps testservers e2e-build
	PLAYWRIGHT_DRIVER_PATH="$(E2E_CACHE)" PLAYWRIGHT_NODEJS_PATH="$$(command -v node)" \
	AXE_PATH="$(E2E_CACHE)/axe.min.js" OAUTH2_PROXY_BIN="$(OAUTH2_PROXY_BIN)" MAILPIT_BIN="$(MAILPIT_BIN)" \
	$(GO) test -tags e2e -vet=off -count=1 -timeout 10m -parallel $(E2E_PARALLEL) ./e2e/...

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN) .

## generate: regenerate templ components
generate:
	$(GO) tool templ generate

## generate-check: fail when the committed *_templ.go are stale
generate-check:
	@$(GO) tool templ generate >/dev/null 2>&1
	@if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then \
		echo "templ generate changed generated files; run 'make generate' and commit them:"; \
		git status --porcelain -- '*_templ.go'; exit 1; fi

## lint: gofmt, go vet, staticcheck (browser tests included)
LINT_AFTER ?=
lint: | generate-check $(LINT_AFTER)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet -tags e2e $(PKGS)
	$(GO) tool staticcheck -tags e2e $(PKGS)

## docker: the container image, onelogin-helpdesk
docker:
	docker build -t onelogin-helpdesk .

## bench: micro-benchmarks and the load test, written to bench/RESULTS.md
# The Go micro-benchmarks (decoding, sessions, rendering, the fake), then
# the load test: the console (own process, fake tenant, 50 ms upstream
# latency) at 1/10/100 concurrent against a bare-proxy baseline, and
# actions at 10 concurrent with the state in SQLite and in PostgreSQL (a
# throwaway cluster).
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	scripts/test-postgres.sh run $(GO) run ./bench -out bench/RESULTS.md

## clean: remove bin/
clean:
	rm -rf bin
