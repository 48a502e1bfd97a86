import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.__main__ import parse_arguments

ROOT = Path(__file__).resolve().parents[2]


def run_app(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return subprocess.run(
        [sys.executable, "-m", "app", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


def test_version() -> None:
    result = run_app("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"Amethyst {__version__}"


def test_portable_profile_in_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "portable"
    result = run_app("--data-dir", str(data), "--first-paint-exit", "--set", "connection.kind=local")
    assert result.returncode == 0, result.stderr
    assert "FIRST_PAINT" in result.stdout
    assert (data / "logs" / "amethyst.log").exists()
    assert (data / "state.json").exists()
    assert "starting with data folder" in (data / "logs" / "amethyst.log").read_text()


def test_bad_set_argument_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["--set", "no-equals-sign"])
    assert parse_arguments(["--set", "a.b=c"]).overrides == ["a.b=c"]
