"""Parses take turns: CPython 3.11's ast keeps its conversion depth in interpreter-wide state, and two threads
parsing at once failed CI with "SystemError: AST constructor recursion depth mismatch" (two openers of a new
server database reading the migration files at the same moment)."""

from __future__ import annotations

import ast
import threading
import time
from typing import Any

import pytest

from modal_app import pyparse
from modal_app.store.schema import script_heads


def test_parses_from_several_threads_never_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    inside = 0
    most = 0
    guard = threading.Lock()
    real_parse = ast.parse

    def slow_parse(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.01)  # long enough for the other threads to arrive while this one parses
        with guard:
            inside -= 1
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(pyparse.ast, "parse", slow_parse)
    start = threading.Barrier(4)

    def parse_some() -> None:
        start.wait()
        for _ in range(3):
            pyparse.parse("revision = 'x'", "m.py")

    threads = [threading.Thread(target=parse_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert most == 1


def test_migration_heads_are_read_through_the_shared_parse(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "0001_a.py").write_text('revision = "0001_a"\ndown_revision = None\n', encoding="utf-8")
    (tmp_path / "0002_b.py").write_text('revision = "0002_b"\ndown_revision = "0001_a"\n', encoding="utf-8")
    seen: list[str] = []
    real = pyparse.parse

    def recording(source: str, filename: str = "<unknown>") -> ast.Module:
        seen.append(filename)
        return real(source, filename)

    monkeypatch.setattr("modal_app.store.schema.parse", recording)
    assert script_heads(tmp_path) == {"0002_b"}
    assert sorted(seen) == sorted(str(path) for path in tmp_path.glob("*.py"))
