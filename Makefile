# Two commands (README): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# pytest-xdist workers for `make test` (0: one process). Two on a 2-core machine; a third only adds switching.
PYTEST_WORKERS ?= 2

.PHONY: run test venv deps dev-deps clean

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

test: $(VENV)/.dev-deps
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
