"""Words people search with that name no field: "cheap", "free", "fast", "local" (and their variants).

Each is mapped to a real attribute of an entry and added to its search text once, so "groq cheap" finds the
models Groq serves that are among the cheapest of their kind:

- ``free``: a listed route costs nothing (a local route on the person's own hardware, or a $0 hosted one).
- ``cheap``: free, or its cheapest listed route is in the cheapest third of the priced models of its kind
  (chat and code by the mean of input and output per 1M tokens, images per image, embeddings per input).
- ``expensive``: its cheapest route is in the dearest third of its kind.
- ``fast``: a route on a provider built for speed (Groq's LPUs, Cerebras, SambaNova), or a model its maker
  names as the small quick one (Flash, Mini, Nano, Haiku, Lite, Turbo, Instant, Schnell, Lightning).
- ``local``: a route that runs on the person's own machine (Ollama, LM Studio, llama.cpp, vLLM), or open
  weights that can.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from app.services.catalog.schema import CatalogEntry, Pricing

# query word -> the attribute word it stands for (the attribute words map to themselves)
ALIASES: dict[str, str] = {
    **dict.fromkeys(("cheap", "cheaper", "cheapest", "budget", "affordable", "inexpensive", "low-cost"), "cheap"),
    **dict.fromkeys(("free", "gratis", "no-cost"), "free"),
    **dict.fromkeys(("fast", "faster", "fastest", "quick", "quickest", "speedy", "low-latency"), "fast"),
    **dict.fromkeys(("expensive", "premium", "pricey"), "expensive"),
    **dict.fromkeys(("local", "offline", "on-device", "self-hosted"), "local"),
}
PRICE_WORDS = frozenset({"cheap", "free"})
FAST_PROVIDERS = frozenset({"groq", "cerebras", "sambanova"})
FAST_NAMES = re.compile(r"\b(flash|mini|nano|haiku|lite|turbo|instant|schnell|lightning)\b", re.IGNORECASE)
# The attribute words carry a marker no other text has: "cheap" the query word is found as "~cheap", never in a
# description that happens to say "cheaper than" (a query's aliases are rewritten to the marked form).
MARK = "~"


def _bare(word: str) -> str:
    """``word`` without invisible format characters (bidi marks, zero-width spaces: Unicode category Cf) and
    without the punctuation around it ("groq," "vision?" "(llama)"); punctuation inside ("gpt-4.1") and
    symbols that end a name ("command-r+") stay. The marker is stripped too: it cannot be typed."""
    word = "".join(ch for ch in word if unicodedata.category(ch) != "Cf")
    start, end = 0, len(word)
    while start < end and _edge(word[start]):
        start += 1
    while end > start and _edge(word[end - 1]):
        end -= 1
    return word[start:end]


def _edge(ch: str) -> bool:
    return ch == MARK or unicodedata.category(ch).startswith("P")


def query_words(text: str) -> tuple[str, ...]:
    """The query's lowercase words, attribute words rewritten to their marked attribute (``~cheap``); words
    that are only punctuation are dropped."""
    words = (bare for word in text.lower().split() if (bare := _bare(word)))
    return tuple(MARK + ALIASES[word] if word in ALIASES else word for word in words)


def _price(pricing: Pricing, kind: str) -> float | None:
    if kind == "image":
        return pricing.per_image
    if kind == "embedding":
        return pricing.input
    if pricing.input is None or pricing.output is None:
        return None
    return (pricing.input + pricing.output) / 2


def cheapest_price(entry: CatalogEntry) -> float | None:
    """The lowest price over the entry's listed routes, in its kind's unit (0 for a local route)."""
    prices = [_price(way.price, entry.kind) for way in entry.routes]
    known = [price for price in prices if price is not None]
    return min(known) if known else None


def attribute_words(entries: Iterable[CatalogEntry]) -> dict[str, str]:
    """Each entry's attribute words (marked, space-separated) by id; thirds are taken within each kind."""
    entries = list(entries)
    cheapest = {entry.id: cheapest_price(entry) for entry in entries}
    thirds: dict[str, tuple[float, float]] = {}
    for kind in {entry.kind for entry in entries}:
        prices = sorted(p for e in entries if e.kind == kind and (p := cheapest[e.id]) is not None and p > 0)
        if prices:
            thirds[kind] = (prices[(len(prices) - 1) // 3], prices[(2 * len(prices)) // 3])
    words: dict[str, str] = {}
    for entry in entries:
        found = []
        price = cheapest[entry.id]
        low, high = thirds.get(entry.kind, (0.0, float("inf")))
        if price is not None and price == 0:
            found += ["free", "cheap"]
        elif price is not None and price <= low:
            found.append("cheap")
        elif price is not None and price >= high:
            found.append("expensive")
        routes = entry.routes
        if any(way.provider in FAST_PROVIDERS for way in routes) or FAST_NAMES.search(entry.name):
            found.append("fast")
        if entry.open_weights or any(way.local for way in routes):  # open weights run locally too
            found.append("local")
        words[entry.id] = " ".join(MARK + word for word in found)
    return words
