"""Every third-party data file shipped in resources/tokenizers has its origin and licence stated (QA of issue
12): the notice names it with the hash of the very bytes shipped, and a licence file beside it (so the
installers, which copy resources/, carry it) holds the licence text."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKENIZERS = ROOT / "resources" / "tokenizers"


def shipped_tables() -> list[Path]:
    return sorted(path for path in TOKENIZERS.iterdir() if path.suffix == ".tiktoken")


def test_every_shipped_table_is_in_the_notice_with_its_hash_and_licence() -> None:
    notice = (ROOT / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    tables = shipped_tables()
    assert tables
    for table in tables:
        digest = hashlib.sha256(table.read_bytes()).hexdigest()
        assert f"resources/tokenizers/{table.name}" in notice
        assert digest in notice, f"{table.name}: the notice states another file's hash"
        licence = TOKENIZERS / f"LICENSE-{table.stem}.txt"
        text = licence.read_text(encoding="utf-8")
        assert digest in text and "MIT License" in text and "Permission is hereby granted" in text
        assert f"resources/tokenizers/{licence.name}" in notice


def test_the_readme_points_to_the_notice() -> None:
    assert "THIRD_PARTY_NOTICES.md" in (ROOT / "README.md").read_text(encoding="utf-8")
