"""Search, filter and sort over the catalog, fast enough to run on every keystroke.

Each entry's lowercase search text and sort keys are computed once. A query first applies its filters
(the result is kept while only the text changes), then matches the words of the text; when the new text
only narrows the previous one (typing one more letter), only the previous matches are searched again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import compress, filterfalse, repeat
from operator import add, attrgetter, contains, methodcaller, mul
from typing import Literal

from app.services.catalog.schema import LICENCE_FILTERS, CatalogEntry, licence_matches
from app.services.catalog.search_words import MARK, PRICE_WORDS, attribute_words, query_words

SortKey = Literal["relevance", "price", "context", "rating", "popularity", "newest"]
SORT_LABELS: dict[str, str] = {
    "relevance": "Relevance",
    "price": "Price: low to high",
    "context": "Context: largest first",
    "rating": "Rating: highest first",
    "popularity": "Most used",
    "newest": "Newest",
}


@dataclass(frozen=True)
class CatalogQuery:
    """What the person asked for. Empty sets and ``None`` bounds mean "any"."""

    text: str = ""
    providers: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    capabilities: frozenset[str] = frozenset()  # every one of them is required
    min_price: float | None = None  # on CatalogEntry.reference_price
    max_price: float | None = None
    min_context: int | None = None
    max_context: int | None = None
    min_rating: int = 0  # 0 = any; otherwise only models the person rated at least this
    licence: str | None = None  # a key of schema.LICENCE_FILTERS, e.g. "open-commercial"
    sort: SortKey = "relevance"

    @property
    def filters(self) -> CatalogQuery:
        """This query without its text and sort: the part that decides the filter pass."""
        return replace(self, text="", sort="relevance")

    @property
    def has_filters(self) -> bool:
        return self.filters != CatalogQuery()


@dataclass(slots=True, eq=False)  # compared and hashed by identity: rows go into sets
class _Row:
    entry: CatalogEntry
    order: int
    haystack: str
    name: str
    head: str  # id and provider, lowercase: words found here rank above the description
    provider: str
    kind: str
    capabilities: frozenset[str]
    price: float | None
    context: int | None
    licence_keys: frozenset[str]  # the LICENCE_FILTERS this entry passes, computed once
    price_rank: int = 0
    context_rank: int = 0
    newest_rank: int = 0
    popularity_rank: int = 0  # by usage, then rating, then catalog order; redone when those change
    rating_rank: int = 0


def search_text(entry: CatalogEntry, attributes: str = "") -> str:
    """What a query's words are found in: id, name, provider, kind, description, capabilities, every route's
    provider and model id, the licence, and ``attributes`` (search_words: ``~cheap ~fast``…)."""
    parts = [entry.id, entry.name, entry.provider, entry.kind, entry.description, *entry.capabilities, attributes]
    parts += [way.model for way in entry.served_by] + [way.provider for way in entry.served_by]
    if entry.licence.weights:
        parts.append("open weights open-source local")
    parts.append(entry.licence.name)
    return " ".join(parts).lower()


@dataclass
class _Cache:
    filters: CatalogQuery | None = None
    filtered: list[_Row] = field(default_factory=list)
    tokens: tuple[str, ...] = ()
    matched: list[_Row] = field(default_factory=list)


class CatalogIndex:
    """All entries, prepared for searching. Ratings and usage counts are live and may change."""

    def __init__(
        self,
        entries: Iterable[CatalogEntry],
        ratings: Mapping[str, int] | None = None,
        usage: Mapping[str, int] | None = None,
    ) -> None:
        entries = list(entries)
        attributes = attribute_words(entries)
        self._rows = [self._row(order, entry, attributes[entry.id]) for order, entry in enumerate(entries)]
        self._by_id = {row.entry.id: row.entry for row in self._rows}
        self.ratings: dict[str, int] = dict(ratings or {})
        self.usage: dict[str, int] = dict(usage or {})
        self._rank_static_orders()
        self._rank_live_orders()
        self._cache = _Cache()

    @staticmethod
    def _row(order: int, entry: CatalogEntry, attributes: str = "") -> _Row:
        routes = " ".join(way.provider for way in entry.served_by)
        return _Row(
            entry=entry,
            order=order,
            haystack=search_text(entry, attributes),
            name=entry.name.lower(),
            head=f"{entry.id} {entry.provider} {routes}".lower(),
            provider=entry.provider,
            kind=entry.kind,
            capabilities=frozenset(entry.capabilities),
            price=entry.reference_price,
            context=entry.context_window,
            licence_keys=frozenset(key for key in LICENCE_FILTERS if licence_matches(entry.licence, key)),
        )

    def _rank_static_orders(self) -> None:
        """Precomputed positions, so sorting a result is sorting small integers."""
        by_price = sorted(self._rows, key=lambda r: (r.price is None, r.price or 0.0, r.name))
        by_context = sorted(self._rows, key=lambda r: (-(r.context or 0), r.name))
        by_newest = sorted(self._rows, key=lambda r: (r.entry.release_date, -r.order), reverse=True)
        for rank, row in enumerate(by_price):
            row.price_rank = rank
        for rank, row in enumerate(by_context):
            row.context_rank = rank
        for rank, row in enumerate(by_newest):
            row.newest_rank = rank

    def _rank_live_orders(self) -> None:
        ratings, usage = self.ratings, self.usage
        by_use = sorted(self._rows, key=lambda r: (-usage.get(r.entry.id, 0), -ratings.get(r.entry.id, 0), r.order))
        by_stars = sorted(self._rows, key=lambda r: (-ratings.get(r.entry.id, 0), -usage.get(r.entry.id, 0), r.order))
        self._popular = by_use
        for rank, row in enumerate(by_use):
            row.popularity_rank = rank
        for rank, row in enumerate(by_stars):
            row.rating_rank = rank
        self._ranks_stale = False

    def __len__(self) -> int:
        return len(self._rows)

    def entries(self) -> list[CatalogEntry]:
        return [row.entry for row in self._rows]

    def get(self, model_id: str) -> CatalogEntry | None:
        return self._by_id.get(model_id)

    def providers(self) -> list[str]:
        return sorted({row.provider for row in self._rows}, key=str.lower)

    def capabilities(self) -> list[str]:
        return sorted({cap for row in self._rows for cap in row.capabilities})

    def set_rating(self, model_id: str, stars: int | None) -> None:
        if stars is None:
            self.ratings.pop(model_id, None)
        else:
            self.ratings[model_id] = stars
        self._ranks_stale = True
        self._cache = _Cache()  # the minimum-rating filter depends on ratings

    def set_usage(self, model_id: str, count: int) -> None:
        self.usage[model_id] = count
        self._ranks_stale = True
        self._cache = _Cache()  # filtered lists are kept in popularity order

    def search(self, query: CatalogQuery) -> list[CatalogEntry]:
        return [row.entry for row in self._search_rows(query)]

    def _search_rows(self, query: CatalogQuery) -> list[_Row]:
        if self._ranks_stale:
            self._rank_live_orders()
        cache = self._cache
        filters = query.filters
        if cache.filters != filters:
            cache.filters = filters
            cache.filtered = self._filter(filters)
            cache.tokens = ()
            cache.matched = cache.filtered
        tokens = query_words(query.text)
        candidates = cache.matched if _narrows(cache.tokens, tokens) else cache.filtered
        matched = _match(candidates, tokens)
        cache.tokens, cache.matched = tokens, matched
        return self._sorted(matched, tokens, query.sort)

    def suggestion(self, query: CatalogQuery) -> tuple[str, CatalogQuery] | None:
        """For a query that finds nothing: what to try instead, in words and as a query that finds something,
        or None. Dropping one word (the one whose loss finds the most) comes first, then the filters."""
        words = query.text.split()
        best: tuple[int, str, CatalogQuery] | None = None
        if len(words) > 1:
            filtered = self._filter(query.filters)
            for index, word in enumerate(words):
                text = " ".join(words[:index] + words[index + 1 :])
                if not query_words(text):
                    continue  # only punctuation left: that is no search to suggest
                found = len(_match(filtered, query_words(text)))
                if found and (best is None or found > best[0]):
                    best = (found, f'"{text}" (without "{word}")', replace(query, text=text))
        if best is None and query.has_filters:
            plain = CatalogQuery(text=query.text, sort=query.sort)
            found = len(_match(self._filter(plain.filters), query_words(query.text)))
            if found:
                best = (found, "clearing the filters", plain)
        return None if best is None else (best[1], best[2])

    def _filter(self, query: CatalogQuery) -> list[_Row]:
        """The rows that pass the filters, most used first (so relevance needs no sort of its own)."""
        rows = self._popular
        if query.providers:
            providers = query.providers
            rows = [r for r in rows if r.provider in providers]
        if query.kinds:
            kinds = query.kinds
            rows = [r for r in rows if r.kind in kinds]
        if query.capabilities:
            needed = query.capabilities
            rows = [r for r in rows if needed <= r.capabilities]
        if query.min_price is not None or query.max_price is not None:
            low = query.min_price if query.min_price is not None else -math.inf
            high = query.max_price if query.max_price is not None else math.inf
            rows = [r for r in rows if r.price is not None and low <= r.price <= high]
        if query.min_context is not None or query.max_context is not None:
            low_ctx = query.min_context or 0
            high_ctx = query.max_context if query.max_context is not None else math.inf
            rows = [r for r in rows if r.context is not None and low_ctx <= r.context <= high_ctx]
        if query.min_rating > 0:
            ratings, minimum = self.ratings, query.min_rating
            rows = [r for r in rows if ratings.get(r.entry.id, 0) >= minimum]
        if query.licence is not None:
            wanted = query.licence
            rows = [r for r in rows if wanted in r.licence_keys]
        return rows if rows is not self._popular else list(rows)

    def _sorted(self, rows: list[_Row], tokens: tuple[str, ...], sort: SortKey) -> list[_Row]:
        """``rows`` arrive most used first; relevance keeps that order within each tier of match."""
        if sort == "popularity" or (sort == "relevance" and not tokens):
            return rows
        if sort != "relevance":
            return sorted(rows, key=_RANK_OF[sort])
        return _by_relevance(rows, tokens)


_BY_POPULARITY = attrgetter("popularity_rank")
_RANK_OF = {
    "price": attrgetter("price_rank"),
    "context": attrgetter("context_rank"),
    "newest": attrgetter("newest_rank"),
    "rating": attrgetter("rating_rank"),
    "popularity": _BY_POPULARITY,
}


def _narrows(previous: tuple[str, ...], current: tuple[str, ...]) -> bool:
    """True when every match of ``current`` is also a match of ``previous`` (each old word lives on). A word
    that became an attribute word ("chea" → "~cheap") matches elsewhere: that is no narrowing."""
    return all(any(old in new and old.startswith(MARK) == new.startswith(MARK) for new in current) for old in previous)


# The loops below run through map/compress over C-level operators: no Python bytecode per row, so a
# first letter matching all 10,000 models still costs about a millisecond.
_HAYSTACK = attrgetter("haystack")
_NAME = attrgetter("name")
_HEAD = attrgetter("head")


def _match(rows: list[_Row], tokens: tuple[str, ...]) -> list[_Row]:
    for word in tokens:
        rows = list(compress(rows, map(contains, map(_HAYSTACK, rows), repeat(word))))
    return rows


def _by_relevance(rows: list[_Row], tokens: tuple[str, ...]) -> list[_Row]:
    """Names that start with the words first, then names holding them, then ids or providers holding them,
    then the rest; ties keep their order (most used first)."""
    if len(tokens) > 1 or tokens[0].startswith(MARK):
        return _by_score(rows, tokens)
    word = tokens[0]
    in_name = list(compress(rows, map(contains, map(_NAME, rows), repeat(word))))
    starts = [row for row in in_name if row.name.startswith(word)]
    first = set(starts)
    named = [row for row in in_name if row not in first]
    seen = set(in_name)
    headed = [row for row in compress(rows, map(contains, map(_HEAD, rows), repeat(word))) if row not in seen]
    seen.update(headed)
    return starts + named + headed + list(filterfalse(seen.__contains__, rows))


def _by_score(rows: list[_Row], tokens: tuple[str, ...]) -> list[_Row]:
    """Several words: 4 points for each the name starts with, 2 for each it holds, 1 for id or provider."""
    names = list(map(_NAME, rows))
    heads = list(map(_HEAD, rows))
    scores: list[int] = [0] * len(rows)
    for word in tokens:
        starts = map(mul, map(methodcaller("startswith", word), names), repeat(4))
        within = map(mul, map(contains, names, repeat(word)), repeat(2))
        headed = map(contains, heads, repeat(word))
        scores = list(map(add, scores, map(add, map(add, starts, within), headed)))
    if any(word.lstrip(MARK) in PRICE_WORDS and word.startswith(MARK) for word in tokens):
        # "groq cheap": equally good matches, the cheapest first
        order = sorted(range(len(rows)), key=lambda i: (-scores[i], rows[i].price_rank))
    else:
        order = sorted(range(len(rows)), key=scores.__getitem__, reverse=True)  # stable: ties keep their order
    return list(map(rows.__getitem__, order))
