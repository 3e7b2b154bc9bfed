# Two commands matter: `make run` and `make test`. Everything else is a step of theirs.
# The interpreter .venv is made from: the distribution's python3.11 when it can make one (its
# venv module and ensurepip are there), else the first python3.11 on PATH. Debian builds its
# interpreter with profile-guided and link-time optimisation and libpython linked in; a default
# source build (pyenv's, with a shared libpython) runs the extraction about a quarter slower.
# `make PYTHON=… install` picks another.
SYSTEM_PYTHON := /usr/bin/python3.11
PYTHON ?= $(or $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 && echo $(SYSTEM_PYTHON)),python3.11)
VENV := .venv
BIN := $(VENV)/bin
STORE ?= var/kg
HOST ?= 127.0.0.1
PORT ?= 8000
GOLD ?= ../shared/eval

.PHONY: install run ingest serve test eval bench lint clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/kg

install: $(BIN)/kg ## create .venv/ with the project and its test tools

ingest: install ## ingest every document and fact file in data/ into the store
	$(BIN)/kg --store $(STORE) ingest data/

run: ingest ## set up, ingest data/, serve on http://$(HOST):$(PORT)
	$(BIN)/kg --store $(STORE) serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/kg --store $(STORE) serve --host $(HOST) --port $(PORT)

test: install ## the whole test suite (unit, integration, browser, Virtuoso)
	$(BIN)/python -m pytest -q

eval: install ## score extraction against the annotations in $(GOLD)
	$(BIN)/kg eval $(GOLD) data/documents

bench: install ## benchmarks; writes bench/results.json
	$(BIN)/kg bench

lint: install
	$(BIN)/ruff check kg api tests

clean:
	rm -rf $(VENV) var build *.egg-info
