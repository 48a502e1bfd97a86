"""The layers of docs/ARCHITECTURE.md hold: ``lint-imports`` keeps every contract in pyproject.toml, and
each kind of contract breaks on a package that crosses it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def lint_imports(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), str(ROOT)]))
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_keeps_its_import_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def crossing_project(tmp_path: Path) -> Path:
    """A small copy of the layout where a service imports a widget and a view, and the server the desktop.
    The contracts are the project's own, read from its pyproject.toml."""
    write_package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/__main__.py": "import app.views.window\n",
            "app/config.py": "",
            "app/tasks.py": "",
            "app/log.py": "",
            "app/paths.py": "",
            "app/context.py": "import app.services.chat\n",
            "app/views/__init__.py": "",
            "app/views/window.py": "import app.context\n",
            "app/services/__init__.py": "",
            "app/services/chat.py": """\
                from PySide6.QtCore import QObject
                from PySide6 import QtGui
                import app.views.window
            """,
            "app/models/__init__.py": "",
            "app/models/rows.py": "from PySide6.QtWidgets import QWidget\n",
            "modal_app/__init__.py": "",
            "modal_app/server.py": "from app.config import Settings\n",
        },
    )
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_each_contract_breaks_on_a_crossing(crossing_project: Path) -> None:
    result = lint_imports(crossing_project)
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "3 broken" in report
    assert "app.services.chat -> app.views.window" in report
    assert "app.services.chat:2 imports PySide6.QtGui" in report
    assert "app.models.rows:1 imports PySide6.QtWidgets" in report
    assert "app.services.chat:1" not in report  # QtCore is allowed
    assert "modal_app.server -> app.config" in report
