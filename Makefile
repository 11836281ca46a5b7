# ff: build, test, demo and benchmarks. On a fresh machine with Go:
#   make demo   # the whole pipeline on bundled data
#   make test   # every test (installs npm/apt comparison tools itself)
GO      ?= go
BIN     := bin
CMDS    := ff-clean ff-dedup ff-score ff-submit ff-weights
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/flock-off/ff/lib/app.version=$(VERSION)
PREFIX  ?= $(HOME)/.local
BENCHES := clean dedup tokenizer model score

.PHONY: all build test lint demo bench install clean $(addprefix bench-,$(BENCHES)) bench-torch

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

test: lint
	$(GO) test -timeout 20m ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l cmd lib); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

demo: build
	@PATH="$(CURDIR)/$(BIN):$$PATH" sh testdata/demo/run.sh

# Every benchmark runs even when one misses its target; the status says whether all met theirs.
bench:
	@status=0; for b in $(BENCHES); do $(MAKE) --no-print-directory bench-$$b || status=1; done; exit $$status

$(addprefix bench-,$(BENCHES)): bench-%: build
	$(GO) run ./lib/internal/bench/$*

# The torch backend against transformers+peft: for a machine with a GPU (docs/gpu.md).
bench-torch: build
	$(GO) run ./lib/internal/bench/torch $(ARGS)

install: build
	@mkdir -p $(PREFIX)/bin
	cp $(addprefix $(BIN)/,$(CMDS)) $(PREFIX)/bin/
	@echo "installed $(CMDS) into $(PREFIX)/bin"

clean:
	rm -rf $(BIN)
