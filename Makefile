# Two commands need no set-up on a fresh clone: `make demo` and `make test`.
# Both create .venv/ at the repo root on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: demo serve test lint typecheck pytest bench clean infra-tools browser-tools

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

# checkov (infra checks, issue 6) has heavy, conflicting dependencies: it gets its own venv.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := $(VENV)/tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $(CHECKOV_STAMP)

infra-tools: $(CHECKOV_STAMP)  ## checkov in .venv/tools/checkov for tests/infra

# Browser tests (tests/browser) drive Debian's Chromium with Playwright; never `playwright install`
# (it downloads a browser, which this network refuses).
browser-tools:  ## Debian's Chromium at /usr/bin/chromium, installed with apt-get when missing
	@test -x /usr/bin/chromium || { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

demo: $(STAMP)  ## run a complete local failback on the simulator
	$(PY) -m scripts.demo

serve: $(STAMP)  ## run simulator + local host for interactive use
	$(PY) -m scripts.serve

test: $(STAMP) lint typecheck pytest  ## lint, type checks and tests

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

pytest: $(STAMP) infra-tools browser-tools
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench.engine
	$(PY) -m bench.workflow

clean:
	rm -rf $(VENV) .devhost .sim .mypy_cache .ruff_cache .pytest_cache
