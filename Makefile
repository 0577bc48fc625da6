# One entry point for every task. `make run` and `make test` work on a fresh machine
# with Python 3.11+; everything they need is installed from here.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SECPLA := $(BIN)/secpla
STAMP  := $(VENV)/.installed

.PHONY: run install migrate demo serve test lint format check pytest test-browser \
        test-postgres browser-deps bench clean

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, load the demo municipality, serve on http://127.0.0.1:8000
run: install
	DEBUG=1 $(SECPLA) migrate --noinput
	DEBUG=1 $(SECPLA) load_demo
	DEBUG=1 $(SECPLA) runserver 127.0.0.1:8000

migrate: install
	DEBUG=1 $(SECPLA) migrate --noinput

demo: migrate
	DEBUG=1 $(SECPLA) load_demo

## make test: lint, format check, Django checks, migrations check, the test suite
test: lint check pytest

lint: install
	$(BIN)/ruff check src benchmarks
	$(BIN)/ruff format --check src benchmarks

format: install
	$(BIN)/ruff check --fix src benchmarks
	$(BIN)/ruff format src benchmarks

check: install
	DEBUG=1 $(SECPLA) check
	DEBUG=1 $(SECPLA) makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -q

## The same suite on PostgreSQL (DATABASE_URL defaults to the local server's `test` database)
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q

## Real-browser tests: Debian's Chromium driven by Playwright for Python
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-browser: install browser-deps
	CHROMIUM_PATH=$$(command -v chromium) $(BIN)/pytest -q -m browser

bench: install
	$(BIN)/python benchmarks/foundation.py
	$(BIN)/python benchmarks/planning.py
	$(BIN)/python benchmarks/projects.py
	$(BIN)/python benchmarks/budget_execution.py
	$(BIN)/python benchmarks/oirs_load.py

clean:
	rm -rf $(VENV) var
