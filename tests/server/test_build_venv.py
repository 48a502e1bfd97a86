"""The local build venv: sees only what its requirements need from this environment (offline), not the app's
own packages; in a bundled app (``sys.frozen``) a Python on the machine makes it, or the build says what to
install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modal_app.builder.hostenv import venv_python
from modal_app.builder.local_sandbox import LocalSandboxCompute
from modal_app.builder.sandbox import SandboxError
from tests.builder.helpers import OFFLINE_PIP


async def test_the_venv_sees_its_requirements_but_not_the_apps_packages(tmp_path: Path) -> None:
    compute = LocalSandboxCompute(tmp_path / "builds", inherit_packages=True, pip_args=OFFLINE_PIP)
    sandbox = await compute.create("iso")
    await sandbox.write_files({"requirements.txt": "scikit-learn\njoblib\n"})
    lines: list[str] = []
    await sandbox.install(lambda _stream, line: lines.append(line))
    assert any("scikit-learn" in line and "no download" in line for line in lines), lines

    def imports(module: str) -> bool:
        probe = [str(sandbox.python), "-c", f"import {module}"]  # type: ignore[attr-defined]
        return subprocess.run(probe, cwd=sandbox.work, capture_output=True, check=False).returncode == 0  # type: ignore[attr-defined]

    assert imports("sklearn") and imports("joblib") and imports("numpy")  # numpy: a dependency of scikit-learn
    assert not imports("modal_app") and not imports("app") and not imports("fastapi") and not imports("PySide6")


def test_from_source_the_running_python_makes_the_venv() -> None:
    assert venv_python(frozen=False) == sys.executable


def test_a_bundle_finds_a_python_on_path(tmp_path: Path) -> None:
    (tmp_path / "python3").symlink_to(sys.executable)
    assert venv_python({"PATH": str(tmp_path)}, frozen=True) == str(tmp_path / "python3")


def test_a_bundle_takes_the_configured_python_and_skips_one_that_is_not_python(tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "python3"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    environ = {"PATH": str(fake.parent), "AMETHYST_BUILD_PYTHON": sys.executable}
    assert venv_python(environ, frozen=True) == sys.executable
    with pytest.raises(SandboxError, match=r"Python 3\.10 or newer with its venv module.*AMETHYST_BUILD_PYTHON"):
        venv_python({"PATH": str(fake.parent)}, frozen=True)


def test_a_bundle_without_python_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match=r"python\.org"):
        venv_python({"PATH": str(tmp_path)}, frozen=True)
