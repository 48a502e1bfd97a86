"""Loading the catalog: the shipped file when it is good, else the last good copy in the cache database.

Every good load of the file is kept in the database (snapshot ``bundled``), so a damaged or missing file
later falls back to it. A refresh stores its merged result as snapshot ``merged``; it is used while the
shipped file it was merged onto is unchanged (same ``as_of``), so an app update with newer data wins.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from app.services.catalog.schema import CatalogEntry, CatalogFile, CatalogFormatError, parse_catalog
from app.services.catalog.store import CatalogStore

log = logging.getLogger(__name__)

BUNDLED = "bundled"
MERGED = "merged"

Origin = Literal["file", "stored", "merged", "none"]


def bundled_catalog_path() -> Path:
    return Path(str(files("resources.catalog") / "models.json"))


@dataclass(frozen=True)
class LoadedCatalog:
    entries: tuple[CatalogEntry, ...]
    as_of: dt.date | None
    origin: Origin
    problem: str | None = None  # what went wrong with the file, for the person to read
    refreshed_from: str | None = None  # the listing URL when a merged copy is in use


def read_catalog_file(path: Path) -> CatalogFile:
    """The validated file, or :class:`CatalogFormatError` saying what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogFormatError(f"The catalog file {path} is missing.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogFormatError(f"The catalog file {path} cannot be read: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogFormatError(
            f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    return parse_catalog(data, source=path.name)


def merged_payload(catalog: CatalogFile, base_as_of: dt.date) -> str:
    return json.dumps({"base_as_of": base_as_of.isoformat(), "catalog": catalog.model_dump(mode="json")})


def _stored_catalog(store: CatalogStore, name: str) -> tuple[CatalogFile, dict[str, Any], str] | None:
    snapshot = store.snapshot(name)
    if snapshot is None:
        return None
    try:
        data = json.loads(snapshot.payload)
        wrapper = data if name == MERGED else {"catalog": data}
        return parse_catalog(wrapper["catalog"], source=f"stored {name} catalog"), wrapper, snapshot.source
    except (ValueError, KeyError, TypeError) as error:
        log.warning("ignoring the stored %s catalog: %s", name, error)
        return None


def load_catalog(path: Path, store: CatalogStore) -> LoadedCatalog:
    problem: str | None = None
    base: CatalogFile | None
    origin: Origin
    try:
        base = read_catalog_file(path)
        origin = "file"
        store.save_snapshot(BUNDLED, base.model_dump_json(), str(path))
    except CatalogFormatError as error:
        problem = str(error)
        log.error("catalog file rejected: %s", problem)
        stored = _stored_catalog(store, BUNDLED)
        base, origin = (stored[0], "stored") if stored else (None, "none")

    merged = _stored_catalog(store, MERGED)
    if merged is not None and (base is None or merged[1].get("base_as_of") == base.as_of.isoformat()):
        catalog, _, source = merged
        return LoadedCatalog(tuple(catalog.models), catalog.as_of, "merged", problem, refreshed_from=source)
    if base is None:
        return LoadedCatalog((), None, "none", problem)
    return LoadedCatalog(tuple(base.models), base.as_of, origin, problem)
