# Amethyst: `make run` opens the app, `make test` runs the whole suite and the linter.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test lint format bench package clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch's CPU build is what the generator tests need; pinning it lets pip use a local wheel where one is provided
	$(PIP) install --quiet "torch==2.13.0" || $(PIP) install --quiet torch
	$(PIP) install --quiet -e ".[dev,generator]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) -m app

test: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider
	$(VENV)/bin/ruff check app modal_app tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy app modal_app

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check app modal_app tests bench
	$(VENV)/bin/ruff format --check app modal_app tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy app modal_app

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format app modal_app tests bench
	$(VENV)/bin/ruff check --fix app modal_app tests bench

bench: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen $(PY) -m bench all

package:
	@echo "Installers are not built yet: see installer/README.md." >&2; exit 1

clean:
	rm -rf $(VENV) build dist artifacts .pytest_cache .ruff_cache
