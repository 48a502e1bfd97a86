# Amethyst: `make run` opens the app, `make test` runs the whole suite and the linter.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test generator lint format bench package clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

# The tests and the server's cloud SDKs; not torch: the generator tests skip without it (`make generator`).
$(VENV)/.installed-dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev,server]"
	touch $@ $(VENV)/.installed

# torch's CPU build and the generator's libraries, so its tests run too (CI does this). PyPI's Linux torch
# would pull ~3 GB of CUDA libraries: pip takes 2.13.0+cpu (a local version sorts above 2.13.0) from the
# CPU index, or from a local wheel where one is provided.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
generator: $(VENV)/.installed-dev
	$(PIP) install --quiet "torch==2.13.0" --extra-index-url $(TORCH_INDEX)
	$(PIP) install --quiet -e ".[dev,server,generator]"

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
	rm -rf $(VENV) build dist artifacts .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
