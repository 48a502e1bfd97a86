"""A CSV's first rows, column types and suggestions (target, task) for the New model form. Pure Python."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass

from modal_app.contract import BuildTask

PREVIEW_ROWS = 8
SAMPLE_ROWS = 500
LONG_TEXT = 20  # average characters from which a column of words is prose, not a category


class CsvProblem(ValueError):
    """The file cannot be used; the message says why."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "number", "category" or "text"
    distinct: int


@dataclass(frozen=True)
class CsvPreview:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]  # the first rows, for the preview table
    row_count: int  # rows sampled (up to SAMPLE_ROWS)
    target: str  # the suggested target column
    task: BuildTask  # the suggested task

    def suggest_task(self, target: str) -> BuildTask:
        """The task that fits ``target``: numbers with many values → regression; prose inputs → text."""
        column = next((c for c in self.columns if c.name == target), None)
        if column is None:
            return self.task
        inputs = [c for c in self.columns if c.name != target]
        if any(c.kind == "text" for c in inputs) and column.kind != "number":
            return BuildTask.TEXT_CLASSIFICATION
        if column.kind == "number" and column.distinct > 10:
            return BuildTask.TABULAR_REGRESSION
        return BuildTask.TABULAR_CLASSIFICATION


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def decode_csv(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), UTF-16 when it starts with its BOM (Excel's "Unicode text"),
    else Windows-1252 (Excel's "CSV" on Western Windows), which a UTF-8 reading would garble into U+FFFD.

    Raises ``CsvProblem`` for bytes that none of these read (a binary file)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvProblem("This is not a CSV file (its text is neither UTF-8 nor Windows-1252).")


def _other(header: list[str]) -> str:
    """A hint when a one-column header holds another separator (Excel's ";" CSV in many locales, TSV)."""
    names = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
    found = next((mark for mark in names if len(header) == 1 and mark in header[0]), None)
    return f" This file seems to separate them with {names[found]}." if found else ""


def preview_csv(text: str) -> CsvPreview:
    """Parse the head of ``text``; raises ``CsvProblem`` for an empty file or one that is not a CSV."""
    if not text.strip():
        raise CsvProblem("The file is empty.")
    if "\x00" in text[:10000] or text.lstrip()[:1] in ("{", "[", "<"):
        raise CsvProblem("This is not a CSV file.")
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        for row in reader:
            if len(rows) == SAMPLE_ROWS:
                break
            if len(row) > len(header) > 1:  # pandas refuses such a file: say so now, not when the build fails
                raise CsvProblem(
                    f"Line {reader.line_num} has {len(row)} values but the header names {len(header)} columns "
                    "(a value holding a comma needs quotes around it)."
                )
            if any(c.strip() for c in row):
                rows.append(row)
    except csv.Error as error:
        raise CsvProblem(f"This is not a CSV file ({error}).") from error
    if len(header) < 2 or not all(header):
        raise CsvProblem("A CSV needs a header row naming at least two columns, separated by commas." + _other(header))
    repeated = [name for name, count in Counter(header).items() if count > 1]
    if repeated:
        names = ", ".join(map(repr, repeated[:3]))
        raise CsvProblem(f"Each column needs a name of its own: {names} names more than one.")
    if not rows:
        raise CsvProblem("The CSV has a header but no rows.")
    columns = []
    for index, name in enumerate(header):
        values = [row[index] for row in rows if index < len(row) and row[index] != ""]
        distinct = len(set(values))
        if values and all(_is_number(v) for v in values):
            kind = "number"
        elif (
            values
            and sum(len(v) for v in values) / len(values) >= LONG_TEXT
            and sum(" " in v for v in values) * 2 > len(values)
        ):
            kind = "text"
        else:
            kind = "category"
        columns.append(Column(name, kind, distinct))
    base = CsvPreview(
        tuple(columns),
        tuple(tuple(r) for r in rows[:PREVIEW_ROWS]),
        len(rows),
        header[-1],
        BuildTask.TABULAR_CLASSIFICATION,
    )
    target = next((c.name for c in reversed(columns) if c.kind != "text"), header[-1])
    return CsvPreview(base.columns, base.rows, base.row_count, target, base.suggest_task(target))
