"""The desktop's parsing for the Builder: CSV preview and suggestions, an LLM's files, the SSE reader."""

from __future__ import annotations

import pytest

from app.services.builder.client import SseParser
from app.services.builder.codegen import CodeWriterProblem, parse_files
from app.services.builder.csv_preview import CsvProblem, preview_csv
from modal_app.contract import BuildTask
from tests.builder.helpers import tabular_csv, text_csv


def test_preview_types_and_suggestions() -> None:
    preview = preview_csv(tabular_csv(30))
    assert [(c.name, c.kind) for c in preview.columns] == [
        ("size", "number"),
        ("rooms", "number"),
        ("city", "category"),
        ("label", "category"),
    ]
    assert (preview.target, preview.task) == ("label", BuildTask.TABULAR_CLASSIFICATION)
    assert len(preview.rows) == 8 and preview.rows[0][2] in {"oslo", "rome", "lima"}
    assert preview.suggest_task("size") == BuildTask.TABULAR_REGRESSION
    assert preview.suggest_task("rooms") == BuildTask.TABULAR_CLASSIFICATION  # 6 values: classes
    text = preview_csv(text_csv())
    assert (text.target, text.task) == ("sentiment", BuildTask.TEXT_CLASSIFICATION)


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), ("a,b\n", "no rows"), ('{"a": 1}', "not a CSV"), ("only\n1\n", "two columns")],
)
def test_preview_refuses_what_is_not_a_table(text: str, words: str) -> None:
    with pytest.raises(CsvProblem, match=words):
        preview_csv(text)


def test_files_from_a_model_answer() -> None:
    answer = (
        "Here you go.\n\nrequirements.txt\n```\nscikit-learn\n```\n\n**train.py**\n```python\nprint('t')\n```\n"
        "app.py:\n```python\nprint('a')\n```\n"
    )
    files = parse_files(answer)
    assert (files.requirements_txt, files.train_py, files.app_py) == ("scikit-learn\n", "print('t')\n", "print('a')\n")
    with pytest.raises(CodeWriterProblem, match=r"app\.py"):
        parse_files("requirements.txt\n```\nx\n```\ntrain.py\n```\ny\n```\n")


def test_sse_parser_across_chunks() -> None:
    """Events split anywhere (inside a line, a UTF-8 character or a JSON value) come out whole, in order."""
    stream = (
        "retry: 2000\n\n: keep-alive\n\n"
        'id: 7\nevent: log\ndata: {"line": "héllo ✓"}\n\n'
        'id: 8\r\nevent: log\r\ndata: {"line": "two"}\r\n\r\n'
        "id: 9\nevent: step\ndata: not json\n\n"
        "event: end\ndata: {}\n\n"
    ).encode()
    expected = [(7, "log", {"line": "héllo ✓"}), (8, "log", {"line": "two"}), (9, "step", {}), (None, "end", {})]
    for size in (1, 2, 3, 7, len(stream)):
        parser = SseParser()
        events = [e for i in range(0, len(stream), size) for e in parser.feed(stream[i : i + size])]
        assert [(e.id, e.kind, e.data) for e in events] == expected, size
