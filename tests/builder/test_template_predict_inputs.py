"""The built-in templates' served model (serve_app.py) checks /predict inputs against the schema /info
describes: missing or wrongly typed fields get a 400 naming them, never a confident prediction.

Real parts: each template's train.py trains on a small CSV in a temporary folder, then serve_app.py runs as
its own process on a loopback port, exactly as the sandbox runs them."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modal_app.builder.code import template_files, validate_files
from modal_app.contract import BuildTask
from tests.builder.helpers import tabular_csv, text_csv
from tests.server.conftest import free_port

# This module trains and serves a template model in subprocesses:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "tabular_classification": (tabular_csv(), "label", {"size": 150.0, "rooms": 3, "city": "oslo"}),
    "tabular_regression": (tabular_csv(regression=True), "label", {"size": 50, "rooms": 2, "city": "rome"}),
    "text_classification": (text_csv(), "sentiment", {"review": "great product, works well"}),
}


@pytest.fixture(params=list(CASES))
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(base URL, a valid record) of a trained template model being served."""
    task = BuildTask(request.param)
    csv, target, record = CASES[request.param]
    code = template_files(task)
    validate_files(code)  # the templates pass the same checks LLM-written code must
    (tmp_path / "data.csv").write_text(csv, encoding="utf-8")
    (tmp_path / "train.py").write_text(code.train_py, encoding="utf-8")
    (tmp_path / "app.py").write_text(code.app_py, encoding="utf-8")
    env = {"TARGET": target, "TASK": task.value, "PATH": "", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=env, check=True, timeout=300, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=tmp_path, env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # ready when /health answers (the process is ours; it exits with the test)
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, record
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_valid_inputs_predict(served: tuple[str, dict[str, Any]]) -> None:
    url, record = served
    answer = httpx.post(f"{url}/predict", json={"inputs": [record, record]}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["predictions"]) == 2


def test_missing_inputs_are_refused_by_name(served: tuple[str, dict[str, Any]]) -> None:
    url, record = served
    answer = httpx.post(f"{url}/predict", json={"inputs": {}}, timeout=30)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert all(f"{name}: missing" in error for name in record), error
    first = next(iter(record))
    partial = {k: v for k, v in record.items() if k != first}
    answer = httpx.post(f"{url}/predict", json={"inputs": [record, partial]}, timeout=30)
    assert answer.status_code == 400 and f"inputs[1].{first}: missing" in answer.json()["error"]
    assert "predictions" not in answer.json()


def test_wrongly_typed_and_unknown_inputs_are_refused(served: tuple[str, dict[str, Any]]) -> None:
    url, record = served
    for name, value in record.items():
        wrong = "abc" if isinstance(value, int | float) else 42
        answer = httpx.post(f"{url}/predict", json={"inputs": {**record, name: wrong}}, timeout=30)
        assert answer.status_code == 400, answer.text
        assert f"{name}: expected a" in answer.json()["error"]
    answer = httpx.post(f"{url}/predict", json={"inputs": {**record, "colour": "red"}}, timeout=30)
    assert answer.status_code == 400 and "colour: not an input" in answer.json()["error"]
