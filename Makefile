# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_NOTEBOOKS := $(VENV)/.installed-notebooks
# `make annotate PORT=8081 DATA=/path/to/ls-data`, `make notebooks PORT=8889`
PORT ?=
DATA ?=
NOTEBOOKS_PORT := $(or $(PORT),8888)

.PHONY: run test lint bench bench-hf clean annotate notebooks

# Each slow step says so first (pip runs --quiet and would otherwise print nothing).
$(BIN)/python:
	@echo "creating the virtual environment $(VENV) (a few seconds)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	@echo "installing the package and its dependencies into $(VENV) (about 1 min)..."
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	@echo "installing the package with its test and notebook extras into $(VENV) (2-3 min)..."
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN) $(STAMP_NOTEBOOKS)

$(STAMP_NOTEBOOKS): pyproject.toml | $(BIN)/python
	@echo "installing JupyterLab and the notebooks' libraries into $(VENV) (1-2 min)..."
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	touch $@ $(STAMP_RUN)

## run: install, validate every annotation and release, build the dataset, print a summary
run: $(STAMP_RUN)
	$(BIN)/corpus validate
	$(BIN)/corpus build
	$(BIN)/corpus stats
	@echo "more commands, without activating the environment: $(BIN)/corpus --help"

# Headless Chromium for the annotated-article view test (Debian package; the tests run as root).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser test (1-2 min)..."
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

# Label Studio in its own environment (.venv-ls: its pins stay out of the package's), installed
# once by `corpus ls install`, which leaves this stamp (tests/labelstudio checks the version matches).
LS_VERSION := 1.23.2
LS_STAMP := .venv-ls/.installed-label-studio-$(LS_VERSION)
$(LS_STAMP): | $(STAMP_RUN)
	$(BIN)/corpus ls install

# `set -m` runs the command as the terminal's foreground job in a process group of its own:
# Ctrl-C reaches it and not make, so a clean stop (exit 0) ends `make` with exit 0 too,
# instead of "make: *** [...] Interrupt". Without a terminal it only warns; hence 2>/dev/null.
FOREGROUND := set -m 2>/dev/null;

## annotate: open the corpus in a local Label Studio (installed on first use), until Ctrl-C;
##           PORT=8081 (default: 8080 if free, else any free port), DATA=DIR (default: .ls-data)
annotate: $(STAMP_RUN) $(LS_STAMP)
	@$(FOREGROUND) $(BIN)/corpus ls serve $(if $(PORT),--port $(PORT)) $(if $(DATA),--data-dir $(DATA))

## notebooks: open the teaching notebooks in JupyterLab (installed on first use), until Ctrl-C;
##            PORT=8889 (default: 8888). As root (a container) JupyterLab needs allow_root.
notebooks: $(STAMP_NOTEBOOKS)
	@echo "starting JupyterLab on http://127.0.0.1:$(NOTEBOOKS_PORT)/lab (open the URL with the token printed below; Ctrl-C stops it)..."
	@$(FOREGROUND) $(BIN)/jupyter lab --no-browser --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 \
		--ServerApp.port=$(NOTEBOOKS_PORT) --ServerApp.port_retries=0 --ServerApp.answer_yes=True \
		$(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

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
