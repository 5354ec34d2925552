# Two commands need no set-up on a fresh clone: `make demo` and `make test`.
# Both create .venv/ at the repo root on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: demo serve rehearse test lint typecheck pytest bench clean infra-tools browser-tools worker-tools

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

# Microsoft's Python worker (issue 10): azure-functions-runtime indexes the app as Azure does. It needs
# Python >= 3.13 (the machine image has it under pyenv) and azure-functions 2.x, so it gets its own venv
# with the app's other pinned dependencies (requirements-worker.txt).
# (pyenv's shim answers `command -v` even when 3.13 is not selected, so the versions are looked at first)
PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
  $(wildcard /root/.pyenv/versions/3.13*/bin/python3.13) $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null))
WORKER_VENV := $(VENV)/tools/worker
WORKER_STAMP := $(WORKER_VENV)/.installed-$(shell cat requirements.txt requirements-worker.txt | cksum | cut -d' ' -f1)

$(WORKER_STAMP): requirements.txt requirements-worker.txt
	@test -n "$(PYTHON313)" || { echo "make: Python 3.13 not found (python3.13 or ~/.pyenv/versions/3.13*); set PYTHON313=" >&2; exit 1; }
	@test -x $(WORKER_VENV)/bin/python || $(PYTHON313) -m venv $(WORKER_VENV)
	@grep -v '^azure-functions==' requirements.txt > $(WORKER_VENV)/app-requirements.txt
	@$(WORKER_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-worker.txt \
	  -r $(WORKER_VENV)/app-requirements.txt
	@rm -f $(WORKER_VENV)/.installed-* && touch $(WORKER_STAMP)

worker-tools: $(WORKER_STAMP)  ## Microsoft's Python worker in .venv/tools/worker for tests/worker

# Browser tests (tests/browser) drive Debian's Chromium with Playwright; never `playwright install`
# (it downloads a browser, which this network refuses).
# A Japanese font too: the ja pages' screenshots (docs/screens) are unreadable boxes without one.
browser-tools:  ## Debian's Chromium at /usr/bin/chromium and a Japanese font, installed with apt-get when missing
	@{ test -x /usr/bin/chromium && test -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf; } || { \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-ipafont-gothic; }

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

pytest: $(STAMP) infra-tools browser-tools worker-tools
	$(PY) -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m bench.engine
	$(PY) -m bench.workflow

clean:
	rm -rf $(VENV) .devhost .sim .mypy_cache .ruff_cache .pytest_cache

# Rehearse the failback of a captured vault (issue 15, docs/capture.md):
#   make rehearse CAPTURE=vault.json VM=web01 | PLAN=rp-hyperv | REQUEST=waves.json [OUT=rehearsal]
rehearse: $(STAMP)  ## rehearse a failback on a vault capture (python -m cli capture)
	@test -n "$(CAPTURE)" || { echo "make rehearse: set CAPTURE=vault.json and VM=, PLAN= or REQUEST=" >&2; exit 2; }
	$(PY) -m scripts.rehearse --capture "$(CAPTURE)" \
	  $(if $(VM),--vm "$(VM)") $(if $(PLAN),--plan "$(PLAN)") $(if $(REQUEST),--request "$(REQUEST)") \
	  --out "$(or $(OUT),rehearsal)"
