# The two commands a new user needs: `make run` and `make test`.
# Everything else here is what those two need on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8080

.PHONY: run demo test test-unit lint bench services system-deps clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## start the gateway, two simulated agencies and a stream of sample petitions
	GATEWAY_HTTP_PORT=$(PORT) $(BIN)/gateway up --demo

demo: $(STAMP)  ## non-interactive demo: exits 0 when every sample petition got a verified reply
	$(BIN)/gateway demo

test: $(STAMP) system-deps services  ## run the whole test suite against real PostgreSQL/RabbitMQ
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: $(STAMP)  ## unit tests only: no network, no servers
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (lint + format check) + mypy (strict, every package)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP) services  ## benchmarks (print ratios against an in-run baseline)
	$(BIN)/pip install --quiet -e '.[bench]' || echo "python-xmlsec did not install (needs libxmlsec1-dev, pkg-config): benchmarks run without it" >&2
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

system-deps:  ## Debian packages the tests use (xmlsec1, chromium, poppler-utils, pg_dump, DejaVu fonts)
	@missing=""; \
	command -v xmlsec1 >/dev/null 2>&1 || missing="$$missing xmlsec1"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdfsig >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v pg_dump >/dev/null 2>&1 || missing="$$missing postgresql-client"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  (apt-get update -qq && apt-get install -y -qq $$missing) >/dev/null || \
	  { echo "could not install:$$missing; run: apt-get install -y$$missing" >&2; exit 1; }; \
	fi

services:  ## start PostgreSQL and RabbitMQ when they are down
	@./.ci/services

clean:  ## remove the virtual environment and local state
	rm -rf $(VENV) var .pytest_cache
