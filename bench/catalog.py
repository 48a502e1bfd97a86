"""Catalog search + filter over 10,000 synthetic entries: p95 time per simulated keystroke.

The entries are the real catalog repeated with varied ids, names, prices and context sizes. Each query is
typed one letter at a time under a few filter and sort combinations, as a person would type.
"""

from __future__ import annotations

import random
import statistics
import time
from itertools import cycle, islice

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.schema import CatalogEntry, Pricing, Serving
from app.services.catalog.search import CatalogIndex, CatalogQuery
from bench._calibration import calibration_ms

ENTRIES = 10_000
TYPED = (
    "gpt 4o mini",
    "claude sonnet",
    "llama vision",
    "embed",
    "flux pro",
    "qwen coder",
    "vision tools 128",
)
FILTERS = (
    CatalogQuery(),
    CatalogQuery(kinds=frozenset({"chat"}), sort="price"),
    CatalogQuery(providers=frozenset({"OpenAI", "Meta", "Mistral"}), capabilities=frozenset({"tools"})),
    CatalogQuery(max_price=5.0, min_context=100_000, sort="newest"),
    CatalogQuery(licence="open-commercial", sort="popularity"),
    CatalogQuery(min_rating=3, sort="rating"),
)


def synthetic_entries(count: int = ENTRIES, seed: int = 7) -> list[CatalogEntry]:
    """``count`` entries built from the real catalog, each with a unique id and varied numbers."""
    real = read_catalog_file(bundled_catalog_path()).models
    rng = random.Random(seed)
    made: list[CatalogEntry] = []
    for number, entry in enumerate(islice(cycle(real), count)):
        factor = rng.choice((0.5, 0.8, 1.0, 1.25, 2.0))
        made.append(
            entry.model_copy(
                update={
                    "id": f"{entry.id}-v{number}",
                    "name": f"{entry.name} v{number % 97}",
                    "context_window": int(entry.context_window * factor) if entry.context_window else None,
                    "served_by": tuple(_scaled(way, factor) for way in entry.served_by),
                }
            )
        )
    return made


def _scaled(way: Serving, factor: float) -> Serving:
    """``way`` with its price times ``factor`` (a local route stays free)."""
    price = way.pricing
    if price is None:
        return way
    scaled = Pricing(
        input=None if price.input is None else price.input * factor,
        output=None if price.output is None else price.output * factor,
        per_image=None if price.per_image is None else price.per_image * factor,
        note=price.note,
    )
    return way.model_copy(update={"pricing": scaled})


def main() -> dict[str, object]:
    entries = synthetic_entries()
    rng = random.Random(11)
    ratings = {entry.id: rng.randint(1, 5) for entry in rng.sample(entries, 2_000)}
    usage = {entry.id: rng.randint(1, 300) for entry in rng.sample(entries, 3_000)}
    index = CatalogIndex(entries, ratings, usage)
    timings: list[float] = []
    results = 0
    for filters in FILTERS:
        for text in TYPED:
            for length in range(len(text) + 1):
                query = CatalogQuery(**{**filters.__dict__, "text": text[:length]})
                started = time.perf_counter()
                found = index.search(query)
                timings.append((time.perf_counter() - started) * 1000)
                results += len(found)
            # the person clears the box before the next query, as a keystroke too
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return {
        "name": "catalog",
        "entries": len(index),
        "keystrokes": len(timings),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(timings[-1], 3),
        "calibration_ms": calibration_ms(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(main()))
