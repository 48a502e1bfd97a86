"""Search, every filter and every sort, over the shipped catalog and a small hand-made one."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.schema import CatalogEntry, Licence, Pricing, Serving
from app.services.catalog.search import SORT_LABELS, CatalogIndex, CatalogQuery

CLOSED = Licence(name="Proprietary (vendor terms)", weights=False, commercial=True)


def make(
    model_id: str,
    *,
    provider: str = "Acme",
    kind: str = "chat",
    caps: tuple[str, ...] = (),
    price: tuple[float, float] = (1.0, 2.0),
    context: int = 128_000,
    licence: Licence = CLOSED,
    released: str = "2025-01-01",
    description: str = "",
) -> CatalogEntry:
    return CatalogEntry(
        id=model_id,
        provider=provider,
        name=model_id.replace("-", " ").title(),
        description=description,
        kind=kind,
        input_modalities=("text",),
        output_modalities=("text",),
        capabilities=caps,
        context_window=context,
        licence=licence,
        served_by=(
            # free only on your own hardware: an open model's Ollama route; else a hosted route with its price
            (Serving(provider="ollama", model=f"{model_id}:q4"),)
            if price == (0, 0)
            else (Serving(provider="openrouter", model=model_id, pricing=Pricing(input=price[0], output=price[1])),)
        ),
        release_date=dt.date.fromisoformat(released),
        source_url="https://example.com/" + model_id,
    )


@pytest.fixture
def small() -> CatalogIndex:
    return CatalogIndex(
        [
            make("alpha-chat", provider="Acme", caps=("tools",), price=(1, 3), context=32_000, released="2024-05-01"),
            make(
                "beta-vision",
                provider="Bolt",
                caps=("vision", "tools"),
                price=(0.1, 0.3),
                context=1_000_000,
                released="2025-06-01",
                description="reads images",
            ),
            make(
                "gamma-coder",
                provider="Acme",
                kind="code",
                caps=("code",),
                price=(0, 0),
                context=16_000,
                licence=Licence(name="Apache-2.0", weights=True, commercial=True),
                released="2025-02-01",
            ),
            make(
                "delta-embed",
                provider="Cask",
                kind="embedding",
                caps=("embeddings",),
                price=(0.02, 0),
                context=8_000,
                released="2023-12-01",
            ),
        ],
        ratings={"beta-vision": 4, "gamma-coder": 2},
        usage={"alpha-chat": 9, "gamma-coder": 3},
    )


def ids(index: CatalogIndex, **query: object) -> list[str]:
    return [entry.id for entry in index.search(CatalogQuery(**query))]  # type: ignore[arg-type]


def test_no_query_lists_everything_most_used_first(small: CatalogIndex) -> None:
    assert ids(small) == ["alpha-chat", "gamma-coder", "beta-vision", "delta-embed"]


def test_text_matches_name_provider_description_and_capabilities(small: CatalogIndex) -> None:
    assert ids(small, text="GAMMA") == ["gamma-coder"]
    assert ids(small, text="bolt") == ["beta-vision"]
    assert ids(small, text="reads images") == ["beta-vision"]
    assert ids(small, text="embeddings") == ["delta-embed"]
    assert ids(small, text="tools acme") == ["alpha-chat"]
    assert ids(small, text="zzz") == []


def test_typing_and_deleting_letters_gives_the_same_answers_as_fresh_searches(small: CatalogIndex) -> None:
    fresh = CatalogIndex(small.entries(), small.ratings, small.usage)
    for text in ("c", "co", "cod", "code", "cod", "c", "", "b", "be", "a", "alpha chat", "alpha"):
        assert ids(small, text=text) == ids(CatalogIndex(fresh.entries(), fresh.ratings, fresh.usage), text=text)


def test_provider_filter_takes_several(small: CatalogIndex) -> None:
    assert set(ids(small, providers=frozenset({"Acme", "Cask"}))) == {"alpha-chat", "gamma-coder", "delta-embed"}


def test_kind_filter(small: CatalogIndex) -> None:
    assert ids(small, kinds=frozenset({"code"})) == ["gamma-coder"]
    assert set(ids(small, kinds=frozenset({"chat", "embedding"}))) == {"alpha-chat", "beta-vision", "delta-embed"}


def test_capability_filter_requires_all(small: CatalogIndex) -> None:
    assert set(ids(small, capabilities=frozenset({"tools"}))) == {"alpha-chat", "beta-vision"}
    assert ids(small, capabilities=frozenset({"tools", "vision"})) == ["beta-vision"]


def test_price_range_uses_the_reference_price(small: CatalogIndex) -> None:
    # reference prices: alpha 2.0, beta 0.2, gamma 0, delta 0.02 (embedding input)
    assert set(ids(small, max_price=0.5)) == {"beta-vision", "gamma-coder", "delta-embed"}
    assert set(ids(small, min_price=0.1, max_price=5)) == {"alpha-chat", "beta-vision"}


def test_context_range(small: CatalogIndex) -> None:
    assert ids(small, min_context=100_000) == ["beta-vision"]
    assert set(ids(small, max_context=20_000)) == {"gamma-coder", "delta-embed"}


def test_minimum_rating_follows_new_ratings(small: CatalogIndex) -> None:
    assert ids(small, min_rating=3) == ["beta-vision"]
    small.set_rating("alpha-chat", 5)
    assert set(ids(small, min_rating=3)) == {"alpha-chat", "beta-vision"}
    small.set_rating("beta-vision", None)
    assert ids(small, min_rating=3) == ["alpha-chat"]


def test_licence_filter(small: CatalogIndex) -> None:
    assert ids(small, licence="open-commercial") == ["gamma-coder"]
    assert ids(small, licence="open") == ["gamma-coder"]
    assert ids(small, licence="open-noncommercial") == []
    assert "gamma-coder" not in ids(small, licence="closed")
    assert len(ids(small, licence="closed")) == 3


def test_licence_filter_on_the_real_catalog_separates_non_commercial_weights() -> None:
    index = CatalogIndex(read_catalog_file(bundled_catalog_path()).models)
    non_commercial = set(ids(index, licence="open-noncommercial"))
    assert {"command-a", "flux-dev", "flux-kontext-dev", "mistral-large-2411"} <= non_commercial
    commercial = set(ids(index, licence="open-commercial"))
    assert {"gpt-oss-120b", "llama-3.3-70b", "flux-schnell"} <= commercial and not commercial & non_commercial
    assert set(ids(index, licence="open")) == commercial | non_commercial
    assert "gpt-5" in ids(index, licence="closed") and "command-a" not in ids(index, licence="closed")
    assert {"flux-dev", "flux-kontext-dev"} <= set(ids(index, text="non-commercial license"))  # names searchable


def test_sorts(small: CatalogIndex) -> None:
    assert ids(small, sort="price") == ["gamma-coder", "delta-embed", "beta-vision", "alpha-chat"]
    assert ids(small, sort="context") == ["beta-vision", "alpha-chat", "gamma-coder", "delta-embed"]
    assert ids(small, sort="rating") == ["beta-vision", "gamma-coder", "alpha-chat", "delta-embed"]
    assert ids(small, sort="popularity") == ["alpha-chat", "gamma-coder", "beta-vision", "delta-embed"]
    assert ids(small, sort="newest") == ["beta-vision", "gamma-coder", "alpha-chat", "delta-embed"]
    assert set(SORT_LABELS) == {"relevance", "price", "context", "rating", "popularity", "newest"}


def test_popularity_follows_new_usage(small: CatalogIndex) -> None:
    small.set_usage("delta-embed", 50)
    assert ids(small, sort="popularity")[0] == "delta-embed"


def test_relevance_puts_name_matches_first() -> None:
    index = CatalogIndex(read_catalog_file(bundled_catalog_path()).models)
    found = ids(index, text="claude")
    assert found and all(entry_id.startswith("claude") for entry_id in found[:7])
    assert ids(index, text="llama", kinds=frozenset({"chat"}))[0].startswith("llama")


def test_filters_combine_on_the_real_catalog() -> None:
    index = CatalogIndex(read_catalog_file(bundled_catalog_path()).models)
    query = CatalogQuery(
        text="",
        kinds=frozenset({"chat"}),
        capabilities=frozenset({"vision"}),
        max_price=1.0,
        min_context=100_000,
        sort="price",
    )
    found = index.search(query)
    assert found
    for entry in found:
        assert entry.kind == "chat" and "vision" in entry.capabilities
        assert entry.reference_price is not None and entry.reference_price <= 1.0
        assert (entry.context_window or 0) >= 100_000
    prices = [entry.reference_price for entry in found]
    assert prices == sorted(prices)  # type: ignore[type-var]
