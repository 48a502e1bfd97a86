"""Refresh from an OpenRouter-style listing served over loopback: good, malformed, timeout, offline."""

from __future__ import annotations

import datetime as dt

import pytest

from app.context import AppContext, build_context
from app.log import Redactor
from app.paths import Paths
from app.services.catalog import CatalogRefreshError
from app.services.catalog.refresh import entry_from_listing, parse_listing
from tests.fakes.memory_keyring import MemoryKeyring
from tests.marketplace.conftest import ListingServer


def point_at(context: AppContext, url: str, timeout: float = 5.0) -> None:
    context.settings.set("catalog.refresh_url", url)
    context.settings.set("catalog.refresh_timeout", timeout)


def test_listing_items_become_entries(listing: dict) -> None:
    entries, skipped = parse_listing(listing)
    by_id = {entry.id: entry for entry in entries}
    assert set(by_id) == {
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4",
        "nousresearch/hermes-4-70b",
        "mistralai/devstral-medium-2507",
    }
    assert skipped == 2  # the item without an id and the one with nonsense numbers; ":free" variants are ignored
    gpt = by_id["openai/gpt-4o"]
    assert gpt.provider == "OpenAI" and gpt.name == "GPT-4o"
    assert gpt.pricing.input == 2.0 and gpt.pricing.output == 8.0
    assert set(gpt.capabilities) >= {"vision", "tools", "json"}
    assert gpt.served_on("openrouter") == "openai/gpt-4o"
    hermes = by_id["nousresearch/hermes-4-70b"]
    assert hermes.licence.weights and not hermes.licence.commercial  # the listing states no licence
    assert "reasoning" in hermes.capabilities
    assert hermes.max_output_tokens is None and hermes.served_by[0].max_output_tokens == 131072  # OpenRouter's
    assert by_id["mistralai/devstral-medium-2507"].kind == "code"
    with pytest.raises(KeyError):
        entry_from_listing({"name": "no id"})


async def test_a_good_refresh_merges_and_survives_a_restart(
    context: AppContext, listing_server: ListingServer, paths: Paths, memory_keyring: MemoryKeyring
) -> None:
    point_at(context, listing_server.url)
    before = len(context.catalog.all())
    assert context.catalog.price_for("gpt-4o") == (2.5, 10.0)
    assert context.catalog.price_for("openai/gpt-4o", "openrouter") == (2.5, 10.0)

    first_day = dt.date.today()
    result = await context.catalog.refresh()
    last_day = dt.date.today()  # a run across midnight refreshes on one of the two days
    assert (result.updated, result.added, result.skipped) == (2, 2, 2)
    assert result.total == before + 2 == len(context.catalog.all())
    assert result.repriced == ("gpt-4o",) and result.dropped == ()
    # the listing's newer numbers belong to the OpenRouter route; OpenAI's own route keeps its price
    assert context.catalog.price_for("openai/gpt-4o", "openrouter") == (2.0, 8.0)
    assert context.catalog.price_for("gpt-4o", "openai") == (2.5, 10.0)
    assert context.catalog.as_of in {first_day, last_day}  # the date shown is the refresh's
    assert context.catalog.get("claude-sonnet-4").context_window == 1_000_000  # type: ignore[union-attr]
    assert context.catalog.get("nousresearch/hermes-4-70b") is not None
    assert context.catalog.loaded.origin == "merged"
    context.close()

    again = build_context(paths, redactor=Redactor(), keyring_backend=memory_keyring, environ={})
    try:  # offline now: the merged copy comes from the cache database
        assert again.catalog.loaded.origin == "merged"
        assert again.catalog.price_for("openai/gpt-4o", "openrouter") == (2.0, 8.0)
        assert again.catalog.get("nousresearch/hermes-4-70b") is not None
    finally:
        again.close()


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("malformed", "did not answer with JSON"),
        ("no-data", 'no "data" list'),
        ("error", "answered HTTP 500"),
    ],
)
async def test_a_bad_answer_keeps_the_catalog(
    context: AppContext, listing_server: ListingServer, mode: str, message: str
) -> None:
    point_at(context, listing_server.url)
    before = [entry.id for entry in context.catalog.all()]
    listing_server.mode = mode
    with pytest.raises(CatalogRefreshError, match=message):
        await context.catalog.refresh()
    assert [entry.id for entry in context.catalog.all()] == before
    assert context.catalog.loaded.origin == "file"
    if mode == "error":
        assert listing_server.requests == 2  # a server error is retried once


async def test_a_slow_listing_times_out(context: AppContext, listing_server: ListingServer) -> None:
    point_at(context, listing_server.url, timeout=0.3)
    listing_server.mode = "slow"
    with pytest.raises(CatalogRefreshError, match=r"did not answer within 0\.3 seconds"):
        await context.catalog.refresh()
    assert context.catalog.price_for("gpt-4o") == (2.5, 10.0)


async def test_offline_keeps_the_last_good_merged_copy(
    context: AppContext, listing_server: ListingServer, closed_port_url: str
) -> None:
    point_at(context, listing_server.url)
    await context.catalog.refresh()
    point_at(context, closed_port_url)
    with pytest.raises(CatalogRefreshError, match="could not be reached"):
        await context.catalog.refresh()
    assert context.catalog.price_for("openai/gpt-4o", "openrouter") == (2.0, 8.0)
    assert context.catalog.get("mistralai/devstral-medium-2507") is not None
