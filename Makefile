# typed-cloudmap: `make demo` for the tour, `make test` for everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv pip install --python $(BIN)/python --quiet
export NO_MKDOCS_2_WARNING := 1
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help demo test lint typecheck docs pytest bench install install-test install-docs install-bench clean

help:
	@echo "make demo   - a short tour on a local directory"
	@echo "make test   - install everything, then ruff, mypy --strict, docs build, pytest"
	@echo "make bench  - benchmarks side by side against raw SDK calls and peer libraries"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

$(VENV)/.core: $(BIN)/python pyproject.toml
	$(UV) -e .
	touch $@

$(VENV)/.test: $(BIN)/python pyproject.toml
	$(UV) -e '.[test,docs]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The peers (s3fs via aiobotocore) pin botocore, so the benchmarks get their own venv and
# never change the one the tests run in.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.bench: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip uv
	$(BENCH_VENV)/bin/uv pip install --python $(BENCH_VENV)/bin/python --quiet -e '.[test,bench]'
	touch $@

install: $(VENV)/.core
install-test: $(VENV)/.test node_modules/.installed
install-bench: $(BENCH_VENV)/.bench node_modules/.installed

demo: install
	$(BIN)/typed-cloudmap demo

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy
	node_modules/.bin/pyright

docs: install-test
	$(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

pytest: install-test
	$(BIN)/python -m pytest

test: lint typecheck docs pytest

bench: install-bench
	PATH="$(CURDIR)/$(BENCH_VENV)/bin:$$PATH" $(BENCH_VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) node_modules site .mypy_cache .ruff_cache .pytest_cache .hypothesis
