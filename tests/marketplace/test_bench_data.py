"""The benchmark's synthetic catalog is built from the real one and searches like it (no timing here)."""

from __future__ import annotations

from app.services.catalog.search import CatalogIndex, CatalogQuery
from bench.catalog import synthetic_entries


def test_synthetic_entries_are_unique_and_searchable() -> None:
    entries = synthetic_entries(count=500)
    assert len({entry.id for entry in entries}) == 500
    index = CatalogIndex(entries)
    found = index.search(CatalogQuery(text="claude", kinds=frozenset({"chat"}), sort="price"))
    assert found and all(entry.provider == "Anthropic" for entry in found)
