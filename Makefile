# Otwarte CUS — the two set-up commands are `make run` and `make test` (see README).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# pip on these machines warns about every missing local index directory; keep the log readable.
QUIET_PIP := sed "/is ignored: it is neither a file nor a directory/d"
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export CUS_DEBUG ?= 1

.PHONY: run test install install-dev migrate messages demo worker lint clean

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip 2>&1 | $(QUIET_PIP)
	$(PIP) install --quiet -c constraints.txt -e . 2>&1 | $(QUIET_PIP)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[dev]' 2>&1 | $(QUIET_PIP)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: install
	$(PY) manage.py compilemessages --ignore='.venv/*' -v 0

migrate: install
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py demo --reset-passwords

## Run the system: embedded SQLite under var/, demo data, task worker and server on http://127.0.0.1:8000
run: messages migrate
	$(PY) manage.py demo --reset-passwords
	./scripts/run.sh

## Every test layer against SQLite and PostgreSQL (installs what it needs; see scripts/test.sh)
test:
	./scripts/test.sh

lint: install-dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
