# Developer and operator tasks. `make help` lists them.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help venv run test fuzz-api lint format bench db-upgrade db-downgrade db-reset backup restore

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the pinned requirements

run: $(STAMP) ## Migrate the database and serve the app on http://127.0.0.1:5000
	$(FLASK) db upgrade
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) ## Run the test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

fuzz-api: $(STAMP) ## Fuzz the API with schemathesis, many examples per operation (FUZZ_EXAMPLES=200)
	API_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(PY) -m pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: $(STAMP) ## Check style with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Reformat the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## Load the app on 127.0.0.1 and write bench/results.md (see bench/README.md)
	@command -v wrk >/dev/null || { echo "installing wrk (Debian)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y wrk >/dev/null; }
	-$(PY) -m bench.plans  # SQLite's plans for search and import (prints MISSED, never stops the run)
	-$(PY) -m bench.api_compare  # issue 16: the API's list against the HTML list, CPU per GET (prints MISSED)
	$(PY) -m bench

db-upgrade: $(STAMP) ## Apply pending migrations
	$(FLASK) db upgrade

db-downgrade: $(STAMP) ## Undo the latest migration
	$(FLASK) db downgrade

db-reset: $(STAMP) ## Drop every table and migrate from scratch (asks first)
	@read -r -p "This deletes ALL data in the configured database. Type 'reset' to go on: " answer; \
	  [ "$$answer" = "reset" ] || { echo "Nothing changed."; exit 1; }
	$(FLASK) db downgrade base
	$(FLASK) db upgrade

backup: $(STAMP) ## Write a backup: make backup FILE=path
	@test -n "$(FILE)" || { echo "usage: make backup FILE=path/to/backup"; exit 2; }
	$(FLASK) backup "$(FILE)"

restore: $(STAMP) ## Restore a backup: make restore FILE=path [FORCE=1]
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup [FORCE=1]"; exit 2; }
	$(FLASK) restore "$(FILE)" $(if $(FORCE),--force,)
