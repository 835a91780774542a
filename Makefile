VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
NPM := $(shell command -v npm 2>/dev/null)
# axe-core for the accessibility test; refreshed when package-lock.json changes
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

.PHONY: run serve test test-sqlite test-postgres lint format install clean bench screenshots \
	translations shell

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(NODE_STAMP): package-lock.json
ifneq ($(NPM),)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
else
	@echo "npm not found: axe-core is not installed, the accessibility test will be skipped."
endif

# the compiled message catalogues (not committed): rebuilt when their .po changes
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard knowtrans/translations/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(NODE_STAMP) $(CATALOGUES)

# extract every translatable message (babel.cfg) and update the catalogues; translate the new
# German ones in knowtrans/translations/de/LC_MESSAGES/messages.po (docs/glossary.md)
translations: install
	$(BIN)/python -m knowtrans.translations update
	$(MAKE) $(CATALOGUES)

# the development server and a worker for the queue's jobs; Ctrl-C stops both
run: install
	$(BIN)/knowtrans db upgrade
	$(BIN)/knowtrans seed-demo --if-empty
	$(BIN)/knowtrans worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/knowtrans run --host $(HOST) --port $(PORT)

# production-style web workers; the queue's jobs need `knowtrans worker` running as well, on
# this host or others sharing DATABASE_URL and TASK_QUEUE_URL (README, production)
serve: install
	$(BIN)/knowtrans db upgrade
	@echo "Reports and closing run as jobs: start '$(BIN)/knowtrans worker' beside this server."
	$(BIN)/gunicorn -c gunicorn.conf.py knowtrans.wsgi:app

# a Python shell with the app, its models and its database
shell: install
	$(BIN)/knowtrans shell

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the whole suite on SQLite, and again on PostgreSQL when KNOWTRANS_TEST_DATABASE_URL names one
test: lint test-sqlite $(if $(KNOWTRANS_TEST_DATABASE_URL),test-postgres)

test-sqlite: install
	KNOWTRANS_TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS)

# the browser tests run once, in the SQLite pass (their live server has its own SQLite file)
test-postgres: install
	KNOWTRANS_TEST_DATABASE_URL=$(KNOWTRANS_TEST_DATABASE_URL) $(BIN)/python -m pytest \
		--ignore=tests/browser $(PYTEST_ARGS)

# PNGs of the main pages for the README, with the browser tests' harness
screenshots: install
	$(BIN)/python -m tests.browser.screenshots

# the large data set against the budgets of issue 5; BENCH_ARGS="--http" adds gunicorn,
# BENCH_ARGS="--size huge" measures ten times the data
bench: install
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
