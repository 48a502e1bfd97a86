"""The desktop's parsing for the Builder: CSV preview and suggestions, an LLM's files, the SSE reader."""

from __future__ import annotations

import pytest

from app.services.builder.client import SseParser
from app.services.builder.codegen import CodeWriterProblem, parse_files
from app.services.builder.csv_preview import CsvProblem, decode_csv, preview_csv
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


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a,a,b\n1,2,3\n", "'a' names more than one"),
        ("a,b,c\n1,2,3\n\n1,2,3,4,5\n", "Line 4 has 5 values but the header names 3"),
        ("a;b;c\n1;2;3\n", "separate them with semicolons"),
        ("a\tb\n1\t2\n", "separate them with tabs"),
    ],
)
def test_preview_refuses_what_pandas_would_refuse_when_the_build_runs(text: str, words: str) -> None:
    """QA: duplicate names, rows wider than the header and another separator were accepted here and only
    failed minutes later, inside the training run."""
    with pytest.raises(CsvProblem, match=words):
        preview_csv(text)


def test_decoding_keeps_accents_of_excel_exports_and_refuses_binary() -> None:
    """QA: a Windows-1252 CSV (Excel's "CSV" on Western Windows) was read with errors="replace", so every
    "café" was trained on as "caf\ufffd"; UTF-16 (Excel's "Unicode text") was called "not a CSV"."""
    table = "name,price\ncafé,1.5\nCrème brûlée,3\n"
    for data in (table.encode("utf-8"), b"\xef\xbb\xbf" + table.encode("utf-8"), table.encode("cp1252")):
        assert decode_csv(data) == table
    assert decode_csv(table.encode("utf-16")) == table
    assert preview_csv(decode_csv(table.encode("utf-16"))).rows[0] == ("café", "1.5")
    with pytest.raises(CsvProblem, match="neither UTF-8 nor Windows-1252"):
        decode_csv(bytes(range(256)) * 4)


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
