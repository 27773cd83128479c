# fastcheck — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/fastcheck
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
FUZZTIME ?= 3s

.PHONY: run build test fuzz lint bench reliability pictures clean

## run: the demo — an embedded reference server with the demo users, and the wallet
run: build
	$(BIN) demo $${FASTCHECK_DEMO_DB:+--db $$FASTCHECK_DEMO_DB}

## build: the one binary, bin/fastcheck
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/fastcheck

## test: every test with the race detector (with a throwaway PostgreSQL and
## a real Secret Service when the machine has them), then each fuzz target
test:
	$(GO) vet ./...
	scripts/with-services $(GO) test -race -count=1 -timeout 15m ./...
	$(MAKE) --no-print-directory fuzz

## fuzz: every fuzz target in the module, FUZZTIME each
fuzz:
	scripts/fuzz-smoke $(FUZZTIME)

## lint: gofmt, go vet, and staticcheck when the module proxy has it
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -version >/dev/null 2>&1; then \
		$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...; \
	else echo "staticcheck unavailable; skipped"; fi

## reliability: the long reliability harness (3 minutes on each of SQLite,
## PostgreSQL x1 and x3, under faults); make test runs a short version
reliability:
	$(GO) test -count=1 -v -run '^TestReliability$$' -timeout 60m ./harness/ -args -reliability.duration=3m

## bench: throughput and latency figures, printed (not asserted)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./server/
	$(GO) test -run '^$$' -bench . -benchtime 2s ./ledger/sqlite/ ./api/
	$(GO) test -run '^$$' -bench . ./tui/
	$(GO) test -run '^$$' -bench SSHWallet -benchtime 1x ./cmd/fastcheck/
	scripts/with-services $(GO) test -run '^$$' -bench '^BenchmarkWallet' -benchtime 1x ./cmd/fastcheck/
	$(GO) test -run '^$$' -bench '^BenchmarkPerformance$$' -benchtime 1x -timeout 30m ./harness/

## pictures: the README's screenshots, assets/*.png: golden screens replayed in
## colour (go test ./tui/ -pictures DIR) and rendered by freeze; their manifest,
## assets/pictures.sum, lets the golden tests notice when they are out of date
FREEZE ?= $(GO) run github.com/charmbracelet/freeze@v0.2.2
pictures:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) test -count=1 -run 'TestGolden(Login|Wallet|Create)$$' ./tui/ -args -pictures "$$tmp" && \
	for f in "$$tmp"/*.ans; do \
		n=$$(basename "$$f" .ans); \
		$(FREEZE) --language ansi --window --line-height 1.1 -o assets/$$n.png < "$$f" || exit 1; \
	done && \
	cat "$$tmp"/*.sum > assets/pictures.sum && echo "assets/pictures.sum:" && cat assets/pictures.sum

clean:
	rm -rf bin
