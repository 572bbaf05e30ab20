# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/dataexchange
REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help run test install install-dev lint messages worker beat bench bench-packages system-packages backup

help:
	@echo "make run   - install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test  - install test tools, lint, and run the whole test suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A development .env (DEBUG on: SQLite, tasks in-process, a development secret key), so the
# README's `.venv/bin/python manage.py ...` commands work as shown after `make run`.
.env:
	@printf '%s\n' "# Written by 'make run' for local development; delete it for production." \
	  "DEBUG=1" > .env
	@echo "Wrote a development .env (DEBUG=1)."

run: export DEBUG ?= 1
run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Serving on http://127.0.0.1:8000  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Debian's Chromium drives the browser tests (with a CJK font so screenshots of the
# Chinese pages are legible); install them when missing and we are root.
APT_PACKAGES := chromium fonts-wqy-zenhei
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages for the browser tests:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing$$missing and not root: browser tests will be skipped"; fi; \
	fi

test: export SECRET_KEY ?= test-only-secret-key-not-for-production
test: export DEBUG = 0
test: export STATICFILES_BACKEND = django.contrib.staticfiles.storage.StaticFilesStorage
test: export CELERY_BROKER_URL =
test: export RATELIMIT_ENABLE = 1
test: install-dev system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || { echo "Run '$(BIN)/ruff format .' to format."; exit 1; }
	$(BIN)/lint-imports
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	@if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then \
	  echo "PostgreSQL answers on 127.0.0.1:5432: the suite runs against it."; \
	  export DATABASE_URL=$(PG_URL); \
	else \
	  echo "No PostgreSQL on 127.0.0.1:5432: the suite runs on SQLite; PostgreSQL-only tests skip."; \
	fi; \
	if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then export TEST_REDIS_URL=$(REDIS_URL); \
	else echo "No Redis on 127.0.0.1:6379: tests that need a real worker skip."; fi; \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

messages: install-dev
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l zh_Hans -l ms --ignore '.venv/*' && $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# `make worker` serves the review and mail queues; `make worker REGION=cn` is the data
# worker of one region (its own DATA_REGION, only its queue; see README, "Data regions").
REGION ?=
worker: install
	@if [ -n "$(REGION)" ]; then \
	  DATA_REGION=$(REGION) $(BIN)/celery -A marketplace worker --loglevel=INFO -Q data.$(REGION) -n data-$(REGION)@%h; \
	else $(BIN)/celery -A marketplace worker --loglevel=INFO; fi

beat: install
	$(BIN)/celery -A marketplace beat --loglevel=INFO

# The scale harness (outside CI; see README, "Measuring at scale"): seeds a PostgreSQL database,
# serves it under gunicorn with the production settings and drives it with wrk.
BENCH_PACKAGES := wrk
bench-packages:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_PACKAGES) >/dev/null; \
	  else echo "wrk is missing and we are not root: install it to run the web bench"; exit 1; fi; }

BENCH_ARGS ?=
bench: install-dev bench-packages
	$(BIN)/python bench/run.py scale $(BENCH_ARGS)
	$(BIN)/python bench/run.py pii_scan

# The access engine side by side with the old table engine (bench/results/access_engine.md).
.PHONY: bench-access
bench-access: install-dev
	$(BIN)/python bench/access_engine.py

# One archive of the database and the uploads (see README, "Backup and restore").
backup: install
	$(BIN)/python manage.py backup

# Each mutant of the transition maps against their behaviour tests (bench/results/mutants.md).
.PHONY: mutants
mutants: install-dev
	$(BIN)/python tools/transition_mutants.py

# docs/screenshots/: the main pages at phone and desktop width in the three languages, from
# a throw-away demo database (Debian's Chromium; see tools/screenshots.py).
.PHONY: screenshots
screenshots: install-dev system-packages
	rm -f docs/screenshots/*.png
	$(BIN)/python tools/screenshots.py --out docs/screenshots
