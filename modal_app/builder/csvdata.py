"""Checks of an uploaded CSV before a build starts: a clear 4xx instead of a failed training run."""

from __future__ import annotations

import csv
import io

from modal_app.contract import BuildTask

SAMPLE_ROWS = 2000  # rows looked at for the shape checks (the whole file goes to the sandbox)


class BadCsv(ValueError):
    """The CSV cannot be used; ``field`` is the request field at fault ("csv" or "target")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_csv(text: str, target: str, task: BuildTask) -> list[str]:
    """The header's column names; raises ``BadCsv`` for an empty file, one that is not a CSV (binary, one
    column, ragged rows), no data rows, or a target that is not a column."""
    if not text.strip():
        raise BadCsv("csv", "the CSV is empty")
    if "\x00" in text[:100_000]:
        raise BadCsv("csv", "this is not a CSV file (it holds binary data)")
    if text.lstrip()[:1] in ("{", "[", "<"):
        raise BadCsv("csv", "this is not a CSV file (it looks like JSON or HTML/XML)")
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        rows = []
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) >= SAMPLE_ROWS:
                break
    except csv.Error as error:
        raise BadCsv("csv", f"this is not a CSV file ({error})") from error
    columns = [name.strip() for name in header]
    if len(columns) < 2 or any(not name for name in columns):
        raise BadCsv("csv", "this is not a CSV file with a header row naming at least two columns")
    if len(set(columns)) != len(columns):
        raise BadCsv("csv", "the CSV's header names a column twice")
    if not rows:
        raise BadCsv("csv", "the CSV has a header but no data rows")
    ragged = sum(1 for row in rows if len(row) != len(columns))
    if ragged > max(1, len(rows) // 20):
        raise BadCsv(
            "csv",
            f"this is not a CSV file: {ragged} of the first {len(rows)} rows do not have the header's"
            f" {len(columns)} columns",
        )
    if target not in header:
        raise BadCsv("target", f"the target column {target!r} is not in the CSV (columns: {', '.join(columns[:20])})")
    if task == BuildTask.TEXT_CLASSIFICATION and len(columns) < 2:
        raise BadCsv("csv", "text classification needs a text column and a label column")
    return columns
