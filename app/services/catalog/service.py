"""The catalog as the rest of the app sees it: models, search, prices, ratings, usage, recommendations.

Qt-free. Loaded on first use. Chat asks ``price_for`` to cost messages and calls ``record_use``; the
Marketplace searches, rates and refreshes. Listeners registered with ``on_change`` hear what changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from app.services.catalog.loader import (
    MERGED,
    LoadedCatalog,
    bundled_catalog_path,
    load_catalog,
    merged_payload,
    read_catalog_file,
)
from app.services.catalog.recommend import Recommendation, recommend
from app.services.catalog.refresh import RefreshResult, fetch_listing, listed_ids, merge_report, parse_listing
from app.services.catalog.schema import LOCAL_PROVIDER_IDS, CatalogEntry, CatalogFile
from app.services.catalog.search import CatalogIndex, CatalogQuery
from app.services.catalog.store import CatalogStore

if TYPE_CHECKING:
    from app.tasks import Workers

log = logging.getLogger(__name__)

DEFAULT_REFRESH_URL = "https://openrouter.ai/api/v1/models"
Listener = Callable[[str, str | None], None]  # (what changed: catalog|rating|usage, model id or None)


class TokenPrice(NamedTuple):
    input: float  # USD per 1M input tokens
    output: float  # USD per 1M output tokens


class CatalogService:
    """The catalog and the person's marks. Loading and refreshing, which read files and the database, run
    on ``workers``' database thread (``load_async``, ``refresh``), so database work stays in one order."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | Callable[[], sessionmaker[Session]],
        *,
        workers: Workers,
        catalog_path: Path | None = None,
        refresh_url: Callable[[], str] = lambda: DEFAULT_REFRESH_URL,
        refresh_timeout: Callable[[], float] = lambda: 15.0,
        configured_providers: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        self._store = CatalogStore(sessions)
        self._path = catalog_path or bundled_catalog_path()
        self._refresh_url = refresh_url
        self._refresh_timeout = refresh_timeout
        self._configured_providers = configured_providers
        self._loaded: LoadedCatalog | None = None
        self._index: CatalogIndex | None = None
        self._by_served: dict[tuple[str, str], str] = {}
        self._listeners: list[Listener] = []
        self._load_lock = threading.Lock()
        self._workers = workers

    # --- loading -------------------------------------------------------------------------------------------
    def _ensure(self) -> CatalogIndex:
        if self._index is None:
            with self._load_lock:  # the Marketplace may be loading it on a worker thread right now
                if self._index is None:
                    self._install(load_catalog(self._path, self._store))
        assert self._index is not None
        return self._index

    @property
    def is_loaded(self) -> bool:
        return self._index is not None

    def load(self) -> LoadedCatalog:
        """Reads the catalog and the person's marks now (opening the database); safe on a worker thread."""
        self._ensure()
        return self.loaded

    async def load_async(self) -> LoadedCatalog:
        """``load`` on the database thread, so the UI thread never waits for the file or database."""
        return await self._workers.db(self.load)

    def _install(self, loaded: LoadedCatalog) -> None:
        self._use(*self._prepare(loaded))

    def _prepare(self, loaded: LoadedCatalog) -> tuple[LoadedCatalog, CatalogIndex, dict[tuple[str, str], str]]:
        """The index and lookups for ``loaded``; pure work that may run on the worker thread."""
        index = CatalogIndex(loaded.entries, self._store.ratings(), self._store.usage())
        by_served = {(way.provider, way.model): entry.id for entry in loaded.entries for way in entry.served_by}
        return loaded, index, by_served

    def _use(self, loaded: LoadedCatalog, index: CatalogIndex, by_served: dict[tuple[str, str], str]) -> None:
        self._loaded, self._index, self._by_served = loaded, index, by_served

    @property
    def index(self) -> CatalogIndex:
        return self._ensure()

    @property
    def loaded(self) -> LoadedCatalog:
        self._ensure()
        assert self._loaded is not None
        return self._loaded

    @property
    def problem(self) -> str | None:
        """Why the catalog file could not be used, when it could not; the app then shows a stored copy."""
        return self.loaded.problem

    @property
    def as_of(self) -> dt.date | None:
        return self.loaded.as_of

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self, what: str, model_id: str | None = None) -> None:
        for listener in list(self._listeners):
            listener(what, model_id)

    # --- reading -------------------------------------------------------------------------------------------
    def all(self) -> list[CatalogEntry]:
        return self._ensure().entries()

    def get(self, model_id: str) -> CatalogEntry | None:
        """The entry by catalog id, or by a provider's model id ("gpt-4o", "openai/gpt-4o")."""
        index = self._ensure()
        entry = index.get(model_id)
        if entry is not None:
            return entry
        provider, _, model = model_id.partition("/")
        found = self._by_served.get((provider, model)) or self._by_served.get(("openrouter", model_id))
        return index.get(found) if found else None

    def find_served(self, provider_id: str, model: str) -> CatalogEntry | None:
        """The entry that ``provider_id`` serves as ``model`` (e.g. groq, "llama-3.3-70b-versatile")."""
        self._ensure()
        found = self._by_served.get((provider_id, model))
        return self._ensure().get(found) if found else None

    def chat_models(self) -> list[CatalogEntry]:
        """Models Chat can run: chat and code models that at least one still-listed route serves."""
        return [entry for entry in self.all() if entry.kind in ("chat", "code") and entry.routes]

    def image_models(self) -> list[CatalogEntry]:
        """Image models, those Studio runs itself (``studio_model``) first."""
        images = [entry for entry in self.all() if entry.kind == "image"]
        return sorted(images, key=lambda entry: entry.studio_model is None)

    def search(self, query: CatalogQuery) -> list[CatalogEntry]:
        return self._ensure().search(query)

    def suggestion(self, query: CatalogQuery) -> tuple[str, CatalogQuery] | None:
        """For a query that finds nothing: what to try, in words, and that query (``CatalogIndex.suggestion``)."""
        return self._ensure().suggestion(query)

    def price_for(self, model_id: str, provider: str | None = None) -> TokenPrice | None:
        """USD per 1M input and output tokens, or ``None`` for an unknown or non-token-priced model.

        With ``provider`` (what Chat passes), ``model_id`` is that provider's id and the price is that
        route's: free on a local provider, Groq's at Groq, OpenRouter's through OpenRouter. Without it, or
        for a route the catalog does not know (a custom endpoint), the catalog id's primary route's price.
        """
        price = None
        if provider is not None:
            if provider in LOCAL_PROVIDER_IDS:
                return TokenPrice(0.0, 0.0)  # the person's own hardware
            entry = self.find_served(provider, model_id)
            way = entry.route(provider, model_id) if entry is not None else None
            price = way.price if way is not None else None
        if price is None:  # no such route in the catalog (a custom endpoint): the model's primary price
            entry = self.get(model_id)
            price = entry.pricing if entry is not None else None
        if price is None or price.input is None:
            return None
        return TokenPrice(price.input, price.output or 0.0)

    def rating(self, model_id: str) -> int | None:
        return self._ensure().ratings.get(model_id)

    def usage_count(self, model_id: str) -> int:
        return self._ensure().usage.get(model_id, 0)

    # --- the person's marks --------------------------------------------------------------------------------
    def record_use(self, model_id: str) -> int:
        """Counts one use of a model in Chat or Studio; returns the new count."""
        entry = self.get(model_id)
        key = entry.id if entry is not None else model_id
        count = self._store.add_use(key)
        self._ensure().set_usage(key, count)
        self._changed("usage", key)
        return count

    def rate(self, model_id: str, stars: int | None) -> None:
        """Gives a model 1–5 stars; ``None`` clears the rating."""
        if stars is not None and not 1 <= stars <= 5:
            raise ValueError(f"a rating is 1 to 5 stars, not {stars}")
        self._store.set_rating(model_id, stars)
        self._ensure().set_rating(model_id, stars)
        self._changed("rating", model_id)

    def recommend(self, text: str, limit: int = 3) -> list[Recommendation]:
        index = self._ensure()
        return recommend(
            text,
            index.entries(),
            ratings=index.ratings,
            usage=index.usage,
            preferred_providers=self._configured_providers(),
            limit=limit,
        )

    # --- refresh -------------------------------------------------------------------------------------------
    async def refresh(self) -> RefreshResult:
        """Merges the online listing into the catalog and keeps the result for offline use.

        Raises :class:`CatalogRefreshError` with a readable message; the catalog in use is then unchanged.
        """
        url = self._refresh_url() or DEFAULT_REFRESH_URL
        payload = await fetch_listing(url, timeout=self._refresh_timeout())
        prepared, result = await self._workers.db(self._merge_and_store, payload, url)
        self._use(*prepared)
        self._changed("catalog")
        return result

    def _merge_and_store(
        self, payload: object, url: str
    ) -> tuple[tuple[LoadedCatalog, CatalogIndex, dict[tuple[str, str], str]], RefreshResult]:
        listed, skipped = parse_listing(payload)
        try:
            base = read_catalog_file(self._path)
            base_models, base_as_of = list(base.models), base.as_of
        except ValueError:
            current = self.loaded
            base_models = list(current.entries)
            base_as_of = current.as_of or dt.date.today()
        today = dt.date.today()
        merged, updated, added, dropped, repriced = merge_report(base_models, listed, listed_ids(payload), today)
        catalog = CatalogFile(as_of=today, note=f"Merged with {url}", models=merged)
        self._store.save_snapshot(MERGED, merged_payload(catalog, base_as_of), url)
        loaded = LoadedCatalog(tuple(merged), catalog.as_of, "merged", None, refreshed_from=url)
        counts = (len(listed) + skipped, updated, added, skipped, len(merged))
        return self._prepare(loaded), RefreshResult(url, *counts, dropped=dropped, repriced=repriced)
