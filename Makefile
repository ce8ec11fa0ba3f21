# Two commands (README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# pytest-xdist workers for `make test` (0: one process). Two on a 2-core machine; a third only adds switching.
PYTEST_WORKERS ?= 2

.PHONY: run test venv deps dev-deps system-deps clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv"; exit 1; }
	@$(PIP) install --upgrade pip

$(VENV)/.deps: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.deps
	$(PIP) install -r requirements-dev.txt
	@touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

run: $(VENV)/.deps
	$(PY) -m farm init-db
	$(PY) -m farm seed-demo --if-empty
	exec $(PY) -m farm all

# The suite's real parts outside Python: Mosquitto for the broker tests, Chromium for the page tests. Installed with
# apt-get when missing and this user may (root, or sudo without a password); otherwise those tests say why they skip.
SYSTEM_PACKAGES := mosquitto chromium
system-deps:
	@missing=""; \
	command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi; \
	  if [ "$$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "not installed:$$missing (apt-get install$$missing as root); the tests that need them will skip"; \
	  fi; \
	fi

test: $(VENV)/.dev-deps system-deps
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
