# Two commands do everything: `make run` (a whole simulated center) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the project needs. To run: espeak-ng (the kiosk's offline "Listen" speech).
# To test as well: Chromium for the web page tests, zbar for the decoder peer in the benchmark,
# PostgreSQL 15 for the province hub (its tests start private clusters). Fonts are shipped in
# assets/fonts, so none are needed from the system.
APT_RUN_PACKAGES := espeak-ng
APT_PACKAGES := $(APT_RUN_PACKAGES) chromium libzbar0 postgresql-15
export ESCPOS_CAPABILITIES_PICKLE_DIR := $(CURDIR)/var/escpos-cache

.PHONY: run test lint typecheck unit sysdeps install bench screenshots clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Installs the Debian packages that are missing (needs root, as on the kiosk image and CI);
# `make run` asks only for what running needs (SYSDEPS).
sysdeps:
	@missing=""; for p in $(or $(SYSDEPS),$(APT_PACKAGES)); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi; \
	fi

run: $(STAMP)
	@$(MAKE) --no-print-directory sysdeps SYSDEPS="$(APT_RUN_PACKAGES)"
	$(PY) run_kiosk.py $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test: sysdeps $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench $(ARGS)

# Every kiosk screen in both languages, and the web pages (counter, display board, phone pages).
screenshots: sysdeps $(STAMP)
	$(PY) -m kiosk.screenshots --out docs/screens
	$(PY) -m queueing.screenshots --out docs/screens
	$(PY) -m locker.screenshots --out docs/screens

# The Debian package (dpkg-deb, Debian's python3.11): build/deb/kiosk-locker_VERSION_ARCH.deb, from
# the committed files; see packaging/build_deb.sh and docs/operations.md.
.PHONY: deb
deb:
	bash packaging/build_deb.sh

clean:
	rm -rf var/ build/ .pytest_cache .mypy_cache .ruff_cache
