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
# would pull ~3 GB of CUDA libraries: the pin lets pip take a local CPU wheel where the machine provides one;
# elsewhere set TORCH_INDEX=https://download.pytorch.org/whl/cpu to take 2.13.0+cpu from PyTorch's CPU index.
TORCH_INDEX ?=
generator: $(VENV)/.installed-dev
	$(PIP) install --quiet "torch==2.13.0" $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
	$(PIP) install --quiet -e ".[dev,server,generator]"

run: $(VENV)/.installed
	@bash installer/linux/check-qt-libs.sh --quiet  # Linux: names the missing xcb libraries and the apt/dnf line
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

# --- packaging (issue 16, installer/README.md): the bundle, then what this platform can wrap it in -----
package: $(VENV)/.installed
	$(PIP) install --quiet "pyinstaller>=6.10"
	$(PY) installer/icons.py build/icons
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		installer/pyinstaller/amethyst.spec
	@du -sh dist/amethyst
	@case "$$(uname -s)" in \
		Linux) PYTHON=$(PY) bash installer/linux/build.sh ;; \
		Darwin) PYTHON=$(PY) bash installer/macos/build-dmg.sh ;; \
		*) echo "Windows: run ISCC installer/windows/amethyst.iss (see installer/README.md)" ;; \
	esac
# --- end of packaging ------------------------------------------------------------------------------------

clean:
	rm -rf $(VENV) build dist artifacts .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
