VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test test-sqlite test-postgres lint format install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/knowtrans db upgrade
	$(BIN)/knowtrans seed-demo --if-empty
	$(BIN)/knowtrans run --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/knowtrans db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py knowtrans.wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the whole suite on SQLite, and again on PostgreSQL when KNOWTRANS_TEST_DATABASE_URL names one
test: lint test-sqlite $(if $(KNOWTRANS_TEST_DATABASE_URL),test-postgres)

test-sqlite: install
	KNOWTRANS_TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	KNOWTRANS_TEST_DATABASE_URL=$(KNOWTRANS_TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
