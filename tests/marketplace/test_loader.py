"""Loading the catalog file: good, bad, missing, and the fallback to the last good copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.context import AppContext
from app.services.catalog import CatalogFormatError, CatalogService
from app.services.catalog.loader import load_catalog, read_catalog_file
from app.services.catalog.store import CatalogStore


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_good_file_loads_every_entry(tmp_path: Path, catalog_data: dict[str, Any]) -> None:
    catalog = read_catalog_file(write(tmp_path / "models.json", catalog_data))
    assert len(catalog.models) == len(catalog_data["models"])
    assert catalog.models[0].id == catalog_data["models"][0]["id"]


def test_a_bad_field_is_named_with_its_entry(tmp_path: Path, catalog_data: dict[str, Any]) -> None:
    catalog_data["models"][4]["served_by"][0]["pricing"]["output"] = "expensive"
    with pytest.raises(CatalogFormatError) as caught:
        read_catalog_file(write(tmp_path / "models.json", catalog_data))
    message = str(caught.value)
    assert f'entry 4 (id "{catalog_data["models"][4]["id"]}")' in message
    assert "field served_by.0.pricing.output" in message


def test_a_missing_field_and_an_unknown_provider_are_named(tmp_path: Path, catalog_data: dict[str, Any]) -> None:
    del catalog_data["models"][0]["kind"]
    catalog_data["models"][1]["served_by"] = [{"provider": "nowhere", "model": "x"}]
    with pytest.raises(CatalogFormatError) as caught:
        read_catalog_file(write(tmp_path / "models.json", catalog_data))
    message = str(caught.value)
    assert "entry 0" in message and "field kind: Field required" in message
    assert "entry 1" in message and "'nowhere' is not one of Amethyst's providers" in message


def test_repeated_ids_are_rejected(tmp_path: Path, catalog_data: dict[str, Any]) -> None:
    catalog_data["models"].append(dict(catalog_data["models"][0]))
    with pytest.raises(CatalogFormatError, match="repeats the id"):
        read_catalog_file(write(tmp_path / "models.json", catalog_data))


def test_broken_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text('{"as_of": "2025-10-20", "models": [', encoding="utf-8")
    with pytest.raises(CatalogFormatError, match=r"not valid JSON: .* line 1"):
        read_catalog_file(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match="is missing"):
        read_catalog_file(tmp_path / "nowhere.json")


def test_a_bad_file_falls_back_to_the_last_good_copy(
    context: AppContext, tmp_path: Path, catalog_data: dict[str, Any]
) -> None:
    path = write(tmp_path / "models.json", catalog_data)
    store = CatalogStore(context.sessions)
    first = load_catalog(path, store)
    assert first.origin == "file" and first.problem is None

    catalog_data["models"][2]["context_window"] = -5
    write(path, catalog_data)
    second = load_catalog(path, store)
    assert second.origin == "stored"
    assert "entry 2" in (second.problem or "") and "context_window" in (second.problem or "")
    assert [entry.id for entry in second.entries] == [entry.id for entry in first.entries]

    path.unlink()
    third = load_catalog(path, store)
    assert third.origin == "stored" and "missing" in (third.problem or "")
    assert len(third.entries) == len(first.entries)


def test_without_any_good_copy_the_catalog_is_empty_not_a_crash(context: AppContext, tmp_path: Path) -> None:
    service = CatalogService(context.sessions, catalog_path=tmp_path / "nowhere.json", workers=context.workers)
    assert service.all() == []
    assert service.problem is not None and "missing" in service.problem
    assert service.get("gpt-4o") is None and service.price_for("gpt-4o") is None
