"""The shipped catalog: valid, broad, and runnable through Amethyst's providers."""

from __future__ import annotations

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.schema import KINDS
from app.services.providers.registry import PROVIDERS


def test_the_shipped_catalog_is_valid_and_broad() -> None:
    catalog = read_catalog_file(bundled_catalog_path())
    providers = {entry.provider for entry in catalog.models}
    assert len(catalog.models) >= 60
    assert len(providers) >= 10
    assert {
        "OpenAI",
        "Anthropic",
        "Google",
        "Meta",
        "Mistral",
        "Cohere",
        "DeepSeek",
        "Qwen",
        "Stability AI",
        "Black Forest Labs",
    } <= providers
    assert {entry.kind for entry in catalog.models} == set(KINDS)
    assert catalog.as_of.year >= 2025


def test_every_chat_and_code_model_runs_through_a_known_provider() -> None:
    known = {info.id for info in PROVIDERS}
    for entry in read_catalog_file(bundled_catalog_path()).models:
        if entry.kind in ("chat", "code"):
            assert any(way.provider in known for way in entry.served_by), entry.id


def test_open_models_served_by_ollama_and_groq_are_present() -> None:
    models = read_catalog_file(bundled_catalog_path()).models
    llama = next(entry for entry in models if entry.id == "llama-3.3-70b")
    assert llama.served_on("groq") == "llama-3.3-70b-versatile"
    assert llama.served_on("ollama") == "llama3.3:70b"  # the exact tag, not whatever "latest" is
    assert sum(1 for entry in models if entry.served_on("ollama")) >= 15
    assert sum(1 for entry in models if entry.served_on("groq")) >= 6


def test_studio_image_models_are_hinted() -> None:
    hints = {entry.studio_model for entry in read_catalog_file(bundled_catalog_path()).models}
    assert {"flux-schnell", "qwen-image-lightning"} <= hints
