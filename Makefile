# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint bench bench-hf clean annotate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

## run: install, validate every annotation and release, build the dataset, print a summary
run: $(STAMP_RUN)
	$(BIN)/corpus validate
	$(BIN)/corpus build
	$(BIN)/corpus stats

# Headless Chromium for the annotated-article view test (Debian package; the tests run as root).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

# Label Studio in its own environment (.venv-ls: its pins stay out of the package's), installed
# once by `corpus ls install`, which leaves this stamp (tests/labelstudio checks the version matches).
LS_VERSION := 1.23.2
LS_STAMP := .venv-ls/.installed-label-studio-$(LS_VERSION)
$(LS_STAMP): | $(STAMP_RUN)
	$(BIN)/corpus ls install

## annotate: open the corpus in a local Label Studio (installed on first use), until Ctrl-C
annotate: $(STAMP_RUN) $(LS_STAMP)
	$(BIN)/corpus ls serve

## test: install the test extras, lint, type-check, check the import layers, run the tests
test: $(STAMP_TEST) $(CHROMIUM) $(LS_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

## bench: time validate, release, build, ls export and ls import on 1, 1,000 and 10,000
## documents, each next to its json.load / pyarrow baseline (BENCH_ARGS=--large adds 100,000)
bench: $(STAMP_RUN)
	$(BIN)/python benchmarks/corpus_bench.py $(BENCH_ARGS)

## bench-hf: time tokenization, the dataset build and loading in process (benchmarks/hf_bench.py)
bench-hf: $(STAMP_RUN)
	$(BIN)/python benchmarks/hf_bench.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
