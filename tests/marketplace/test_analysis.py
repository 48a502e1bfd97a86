"""The query analysis is a pure function: kind, complexity, domain, needs and context from the words."""

from __future__ import annotations

import pytest

from app.services.catalog.analysis import analyze_query


@pytest.mark.parametrize(
    ("text", "kind", "domain", "needs"),
    [
        ("Read screenshots of receipts and extract JSON fields", "chat", "data", {"vision", "json"}),
        ("Refactor a Python codebase", "code", "code", {"code", "long-context", "reasoning"}),
        ("Generate a poster with our logo", "image", "images", {"image-generation", "text-rendering"}),
        ("Edit photos: change the background of product shots", "image", "images", {"image-editing"}),
        ("Semantic search over my notes", "embedding", "search", {"embeddings"}),
        ("Translate support emails to French", "chat", "translation", {"multilingual"}),
        ("Transcribe a podcast episode and summarize it", "chat", "documents", {"audio"}),
        ("hello", "chat", "general", set()),
    ],
)
def test_kind_domain_and_needs(text: str, kind: str, domain: str, needs: set[str]) -> None:
    analysis = analyze_query(text)
    assert analysis.kind == kind
    assert analysis.domain == domain
    assert set(analysis.needs) == needs


def test_complexity() -> None:
    assert analyze_query("classify tweets by sentiment").complexity == "simple"
    assert analyze_query("write a product description for a lamp").complexity == "moderate"
    hard = analyze_query("design the architecture of a multi-step research agent")
    assert hard.complexity == "complex" and "reasoning" in hard.needs


def test_context_needed_from_pages_and_tokens() -> None:
    assert analyze_query("summarize a 300-page contract").min_context == 180_000
    assert analyze_query("answer questions over 500k tokens of logs").min_context == 500_000
    assert "long-context" in analyze_query("answer questions over 500k tokens of logs").needs
    assert analyze_query("questions about a long document").min_context == 128_000
    assert analyze_query("write a haiku").min_context == 0
    assert analyze_query("draw a 300 page comic").min_context == 0  # images have no context to fit


def test_preferences() -> None:
    analysis = analyze_query("cheap, fast model that runs locally and offline")
    assert analysis.prefers_cheap and analysis.prefers_fast and analysis.prefers_local
    plain = analyze_query("write an essay")
    assert not (plain.prefers_cheap or plain.prefers_fast or plain.prefers_local)


def test_the_same_text_gives_the_same_answer() -> None:
    text = "Extract tables from scanned PDFs, cheaply"
    assert analyze_query(text) == analyze_query(text)
