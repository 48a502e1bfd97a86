"""Ratings and usage counts live in the cache database and survive a restart (a second context)."""

from __future__ import annotations

import pytest

from app.context import AppContext, build_context
from app.log import Redactor
from app.paths import Paths
from app.services.catalog import CatalogQuery
from app.services.chat.pricing import cost_of
from tests.fakes.memory_keyring import MemoryKeyring


def restart(paths: Paths, keyring: MemoryKeyring) -> AppContext:
    return build_context(paths, redactor=Redactor(), keyring_backend=keyring, environ={})


def test_ratings_and_usage_survive_a_restart(context: AppContext, paths: Paths, memory_keyring: MemoryKeyring) -> None:
    catalog = context.catalog
    catalog.rate("gpt-4o-mini", 4)
    catalog.rate("claude-haiku-4-5", 2)
    catalog.rate("claude-haiku-4-5", 5)  # changing a rating replaces it
    catalog.rate("gemini-2.5-flash", 3)
    catalog.rate("gemini-2.5-flash", None)  # and it can be cleared
    assert catalog.record_use("gpt-4o-mini") == 1
    assert catalog.record_use("openai/gpt-4o-mini") == 2  # a provider's model id counts for the same entry
    catalog.record_use("flux-schnell")
    context.close()

    again = restart(paths, memory_keyring)
    try:
        assert again.catalog.rating("gpt-4o-mini") == 4
        assert again.catalog.rating("claude-haiku-4-5") == 5
        assert again.catalog.rating("gemini-2.5-flash") is None
        assert again.catalog.usage_count("gpt-4o-mini") == 2
        assert again.catalog.usage_count("flux-schnell") == 1
        assert [e.id for e in again.catalog.search(CatalogQuery(sort="popularity"))][:2] == [
            "gpt-4o-mini",
            "flux-schnell",
        ]
        assert [e.id for e in again.catalog.search(CatalogQuery(min_rating=4))] == ["gpt-4o-mini", "claude-haiku-4-5"]
    finally:
        again.close()


def test_a_rating_outside_one_to_five_is_refused(context: AppContext) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        context.catalog.rate("gpt-4o", 6)
    assert context.catalog.rating("gpt-4o") is None


def test_listeners_hear_ratings_and_uses(context: AppContext) -> None:
    heard: list[tuple[str, str | None]] = []
    context.catalog.on_change(lambda what, model_id: heard.append((what, model_id)))
    context.catalog.rate("o3", 5)
    context.catalog.record_use("o3")
    assert heard == [("rating", "o3"), ("usage", "o3")]


def test_price_for_and_lookup_by_served_ids(context: AppContext) -> None:
    catalog = context.catalog
    assert catalog.price_for("gpt-4o") == (2.5, 10.0)
    assert catalog.price_for("openai/gpt-4o").input == 2.5  # type: ignore[union-attr]
    assert catalog.find_served("groq", "llama-3.3-70b-versatile").id == "llama-3.3-70b"  # type: ignore[union-attr]
    assert catalog.get("groq/llama-3.3-70b-versatile").id == "llama-3.3-70b"  # type: ignore[union-attr]
    assert catalog.price_for("flux-1.1-pro") is None  # priced per image, not per token
    assert catalog.price_for("no-such-model") is None


def test_recommendations_prefer_providers_with_a_stored_key(context: AppContext) -> None:
    context.secrets.set("provider:groq", "gsk_" + "x" * 24)
    recs = context.catalog.recommend("quick chat replies")
    assert any("runs with your Groq key" in rec.reasons for rec in recs)
    assert all(rec.points["provider"] in (0, 5) for rec in recs)


def test_model_lists_for_chat_and_studio(context: AppContext) -> None:
    chat = context.catalog.chat_models()
    assert chat and all(entry.kind in ("chat", "code") and entry.served_by for entry in chat)
    assert "text-embedding-3-small" not in {entry.id for entry in chat}
    images = context.catalog.image_models()
    assert {images[0].studio_model, images[1].studio_model} == {"flux-schnell", "qwen-image-lightning"}
    assert all(entry.kind == "image" for entry in images)


def test_chat_is_priced_by_the_route_it_called(context: AppContext) -> None:
    """An open model is free on Ollama, Groq's price at Groq and OpenRouter's through OpenRouter."""
    catalog = context.catalog
    assert catalog.price_for("deepseek/deepseek-r1", "openrouter") == (0.70, 2.50)
    assert catalog.price_for("deepseek-r1:671b", "ollama") == (0.0, 0.0)
    assert catalog.price_for("meta-llama/llama-4-scout-17b-16e-instruct", "groq") == (0.11, 0.34)
    assert catalog.price_for("deepseek-chat", "deepseek") == (0.28, 0.42)
    assert catalog.price_for("deepseek/deepseek-v3.2-exp", "openrouter") == (0.27, 0.40)
    assert catalog.price_for("claude-opus-4-1", "custom") == (15.0, 75.0)  # unknown route: the model's price
    assert cost_of(catalog, "openrouter", "google/gemma-3-27b-it", 1_000_000, 1_000_000) == pytest.approx(0.26)
    assert cost_of(catalog, "ollama", "gemma3:27b", 1_000_000, 1_000_000) == 0.0
