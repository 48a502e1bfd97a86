"""The ledger as CSV, written only inside the folder the person picked, under a sanitized file name."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from modal_app.contract import LedgerItem

COLUMNS = ("date", "amount", "reason", "reference")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, fallback: str = "export") -> str:
    """A file name stem of letters, digits, ``.``, ``_`` and ``-`` only (no separators, no leading dots)."""
    stem = _UNSAFE.sub("-", text).strip("-.")[:80]
    return stem or fallback


def export_path(folder: Path, label: str, now: datetime) -> Path:
    """A new file in ``folder`` (never outside it, never over an existing file)."""
    folder = folder.resolve()
    stem = f"amethyst-credits-{safe_name(label)}-{now:%Y-%m-%d}"
    target = folder / f"{stem}.csv"
    number = 2
    while target.exists():
        target = folder / f"{stem}-{number}.csv"
        number += 1
    if target.resolve().parent != folder:
        raise OSError(f"refusing to write outside {folder}")
    return target


def write_csv(folder: Path, label: str, entries: Iterable[LedgerItem], now: datetime | None = None) -> Path:
    """Write ``entries`` (date in ISO UTC, amount, reason, reference) to a new CSV in ``folder``; returns it.
    Raises OSError when the folder is missing or not writable."""
    if not folder.is_dir():
        raise OSError(f"the folder {folder} does not exist")
    target = export_path(folder, label, now or datetime.now())
    with target.open("x", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for entry in entries:
            writer.writerow([entry.created_at.isoformat(), entry.amount, _cell(entry.reason), _cell(entry.reference)])
    return target


def _cell(value: str | None) -> str:
    """Neutralise spreadsheet formulas (``=``, ``+``, ``-``, ``@`` at the start) in text cells."""
    text = value or ""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@"} else text
