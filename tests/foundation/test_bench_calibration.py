"""Every benchmark reports ``calibration_ms`` from the one shared workload, so machines can be compared."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bench import __main__ as bench_cli
from bench._calibration import calibration_ms

BENCH = Path(bench_cli.__file__).parent


def test_calibration_is_a_positive_median_in_milliseconds() -> None:
    value = calibration_ms(rounds=3)
    assert isinstance(value, float) and value > 0


@pytest.mark.parametrize("name", bench_cli.available())
def test_every_benchmark_result_carries_calibration_ms(name: str) -> None:
    tree = ast.parse((BENCH / f"{name}.py").read_text(encoding="utf-8"))
    main = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main")
    # main() (or a coroutine inside it: chat_stream runs one on its loop) builds the result as a dict literal
    # with the key, or sets result["calibration_ms"]; the runner also refuses a result without it at run time.
    literal_keys = {
        key.value
        for node in ast.walk(main)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant)
    }
    assigned_keys = {
        target.slice.value
        for node in ast.walk(main)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
    }
    assert "calibration_ms" in literal_keys | assigned_keys, f"bench/{name}.py: main() reports no calibration_ms"


def test_the_runner_refuses_a_result_without_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    class Uncalibrated:
        @staticmethod
        def main() -> dict[str, object]:
            return {"name": "uncalibrated"}

    monkeypatch.setattr(bench_cli, "import_module", lambda _name: Uncalibrated)
    with pytest.raises(RuntimeError, match="calibration_ms"):
        bench_cli.run("uncalibrated")
