"""Multi-word searches with words that name no field (QA of issue 12): "groq cheap" found nothing. Every word must
match name, provider, a route, a capability or an attribute word (cheap, free, fast, local, expensive)
computed from real prices and routes; the cheapest come first for price words; a search that finds nothing
says what to try instead."""

from __future__ import annotations

import pytest

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.schema import CatalogEntry
from app.services.catalog.search import CatalogIndex, CatalogQuery
from app.services.catalog.search_words import attribute_words, cheapest_price, query_words


@pytest.fixture(scope="module")
def catalog() -> list[CatalogEntry]:
    return list(read_catalog_file(bundled_catalog_path()).models)


@pytest.fixture
def index(catalog: list[CatalogEntry]) -> CatalogIndex:
    return CatalogIndex(catalog)


def found(index: CatalogIndex, text: str, **query: object) -> list[CatalogEntry]:
    return index.search(CatalogQuery(text=text, **query))  # type: ignore[arg-type]


def test_groq_cheap_finds_groq_models_among_the_cheapest_of_their_kind(index, catalog) -> None:
    result = found(index, "groq cheap")
    assert result, "groq cheap finds nothing"
    chat_prices = sorted(p for e in catalog if e.kind == "chat" and (p := cheapest_price(e)) is not None and p > 0)
    third = chat_prices[(len(chat_prices) - 1) // 3]
    for entry in result:
        assert entry.route("groq") is not None
        price = cheapest_price(entry)
        assert price is not None and price <= third, f"{entry.id} costs {price}, not among the cheapest"
    prices = [entry.reference_price or 0 for entry in result]
    assert prices == sorted(prices), "the cheapest come first"
    assert found(index, "cheapest groq") == result  # word order and variants do not matter


def test_every_word_must_match_and_each_attribute_word_means_its_attribute(index, catalog) -> None:
    groq_llama = found(index, "groq llama")
    assert {e.id for e in catalog if e.route("groq") and "llama" in e.name.lower()} <= {e.id for e in groq_llama}
    assert all(e.route("groq") for e in groq_llama)
    assert all("llama" in e.name.lower() for e in groq_llama[:3]), "names holding the words come first"
    assert not found(index, "groq dall")  # no Groq model is named DALL·E
    for entry in found(index, "free"):
        assert cheapest_price(entry) == 0
    for entry in found(index, "local"):
        assert entry.open_weights or any(way.local for way in entry.routes)
    fast = {e.id for e in found(index, "fast")}
    assert {e.id for e in catalog if e.route("groq")} <= fast
    assert any("flash" in e.name.lower() for e in catalog if e.id in fast)


def test_price_words_are_not_found_in_descriptions() -> None:
    assert query_words("Cheapest FAST groq") == ("~cheap", "~fast", "groq")


def test_attribute_words_split_each_kind_in_thirds(catalog) -> None:
    words = attribute_words(catalog)
    for kind in ("chat", "image"):
        members = [e for e in catalog if e.kind == kind and (cheapest_price(e) or 0) > 0]
        cheap = [e for e in members if "~cheap" in words[e.id]]
        dear = [e for e in members if "~expensive" in words[e.id]]
        assert cheap and dear and max(map(cheapest_price, cheap)) < min(map(cheapest_price, dear))  # type: ignore[type-var]


def test_typing_towards_a_price_word_gives_the_same_as_a_fresh_search(index, catalog) -> None:
    for step in ("g", "gr", "groq", "groq c", "groq ch", "groq che", "groq chea", "groq cheap"):
        typed = found(index, step)
        fresh = found(CatalogIndex(catalog), step)
        assert [e.id for e in typed] == [e.id for e in fresh], step


def test_a_search_that_finds_nothing_says_what_to_try(index) -> None:
    query = CatalogQuery(text="groq dall")
    assert not index.search(query)
    suggestion = index.suggestion(query)
    assert suggestion is not None
    words, better = suggestion
    assert better.text in ("groq", "dall") and index.search(better)
    assert f'"{better.text}"' in words
    filtered = CatalogQuery(text="claude", providers=frozenset({"groq"}))
    assert not index.search(filtered)
    words, better = index.suggestion(filtered) or ("", filtered)
    assert words == "clearing the filters" and not better.has_filters and index.search(better)
    assert index.suggestion(CatalogQuery(text="zzzzqx")) is None


def test_punctuation_and_invisible_marks_around_words_do_not_hide_matches(index) -> None:
    """People type "groq, cheap" or "cheapest vision?" and paste RTL text with bidi marks: the punctuation
    around a word and the invisible format characters are no part of it (QA: both found nothing)."""
    for typed, plain in (
        ("groq, cheap", "groq cheap"),
        ("cheapest vision?", "cheapest vision"),
        ('"llama" (groq)', "llama groq"),
        ("\u202egroq\u200b", "groq"),
        ("gpt-4.1.", "gpt-4.1"),
    ):
        assert query_words(typed) == query_words(plain), typed
        assert [e.id for e in found(index, typed)] == [e.id for e in found(index, plain)], typed
    assert query_words("command-r+") == ("command-r+",), "symbols that are part of a name stay"


def test_the_attribute_marker_cannot_be_typed(index, catalog) -> None:
    """The "~" that marks attribute words is internal: typing it matches no attribute of every model."""
    assert query_words("~") == ()
    assert query_words("~cheap") == ("~cheap",)
    assert len(found(index, "~")) == len(catalog)
    assert not found(index, "~~~ zzzz")
    assert index.suggestion(CatalogQuery(text="?! zzzz")) is None, "a lone '?!' is no search to suggest"
