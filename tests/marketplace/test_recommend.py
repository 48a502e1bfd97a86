"""Recommendations: scores out of 75 from the six parts, and reasons in words."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.recommend import MAX_SCORE, WEIGHTS, recommend
from app.services.catalog.schema import CatalogEntry, Licence, Pricing, Serving


def chat(
    model_id: str,
    *,
    caps: tuple[str, ...],
    price: float,
    context: int = 128_000,
    inputs: tuple[str, ...] = ("text",),
    served: str = "openrouter",
) -> CatalogEntry:
    return CatalogEntry(
        id=model_id,
        provider="Acme",
        name=model_id,
        kind="chat",
        input_modalities=inputs,  # type: ignore[arg-type]
        output_modalities=("text",),
        capabilities=caps,
        context_window=context,
        licence=Licence(name="Proprietary (Acme terms)", weights=False, commercial=True),
        release_date=dt.date(2025, 1, 1),
        source_url="https://example.com",
        served_by=(Serving(provider=served, model=model_id, pricing=Pricing(input=price, output=price * 4)),),
    )


@pytest.fixture
def models() -> list[CatalogEntry]:
    return [
        chat("cheap-vision", caps=("vision",), price=0.1, inputs=("text", "image")),
        chat("dear-vision", caps=("vision", "tools"), price=5.0, inputs=("text", "image")),
        chat("cheap-text", caps=("tools",), price=0.05, context=8_000),
        chat("mid-text", caps=("tools",), price=1.0, served="groq"),
    ]


def test_weights_add_up_to_75() -> None:
    assert WEIGHTS == {"capability": 20, "rating": 15, "cost": 15, "context": 10, "popularity": 10, "provider": 5}
    assert MAX_SCORE == 75


@pytest.mark.parametrize("part", sorted(WEIGHTS))
def test_the_score_uses_the_weights_table(
    models: list[CatalogEntry], monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    task = dict(
        text="chat with tools",
        entries=models,
        limit=4,
        ratings={"mid-text": 4},
        usage={"mid-text": 10, "cheap-text": 2},
        preferred_providers={"groq"},
    )
    before = {rec.entry.id: rec.points[part] for rec in recommend(**task)}  # type: ignore[arg-type]
    monkeypatch.setitem(WEIGHTS, part, WEIGHTS[part] * 2)
    after = {rec.entry.id: rec.points[part] for rec in recommend(**task)}  # type: ignore[arg-type]
    assert any(before[model] > 0 for model in before)
    for model, points in before.items():
        assert after[model] == pytest.approx(2 * points, abs=0.02)


def test_every_part_stays_within_its_weight_and_the_score_is_their_sum(models: list[CatalogEntry]) -> None:
    for rec in recommend("describe photos of my garden", models, limit=4, usage={"cheap-text": 4}):
        assert set(rec.points) == set(WEIGHTS)
        for part, points in rec.points.items():
            assert 0 <= points <= WEIGHTS[part]
        assert rec.score == round(sum(rec.points.values())) <= MAX_SCORE


def test_vision_task_prefers_the_cheapest_model_that_can_see(models: list[CatalogEntry]) -> None:
    top = recommend("a quick caption for photos of my garden", models)  # simple: strength does not count
    assert [rec.entry.id for rec in top][:2] == ["cheap-vision", "dear-vision"]
    best = top[0]
    assert best.points["capability"] == 20 and best.points["cost"] == pytest.approx(15 * 0.8, abs=3)
    assert best.summary == "cheapest model with vision"
    assert "has vision" in best.reasons
    assert any(reason.startswith("lacks vision") for reason in top[2].reasons)


def test_cost_efficiency_is_full_for_the_cheapest_and_zero_for_the_dearest(models: list[CatalogEntry]) -> None:
    points = {rec.entry.id: rec.points["cost"] for rec in recommend("chat", models, limit=4)}
    assert points["cheap-text"] == 15
    assert points["dear-vision"] == 0
    assert points["cheap-vision"] > points["mid-text"] > points["dear-vision"]


def test_ratings_usage_and_keys_change_the_order(models: list[CatalogEntry]) -> None:
    plain = recommend("chat with tools", models, limit=4)
    assert plain[0].entry.id == "cheap-text" or plain[0].entry.id == "cheap-vision"
    marked = recommend(
        "chat with tools",
        models,
        limit=4,
        ratings={"mid-text": 5},
        usage={"mid-text": 10, "cheap-text": 2},
        preferred_providers={"groq"},
    )
    best = marked[0]
    assert best.entry.id == "mid-text"
    assert best.points["rating"] == 15 and best.points["popularity"] == 10 and best.points["provider"] == 5
    assert "you rated it 5★" in best.reasons and "used 10 times" in best.reasons
    assert "runs with your Groq key" in best.reasons
    unrated = next(rec for rec in marked if rec.entry.id == "cheap-text")
    assert unrated.points["rating"] == 7.5 and "not rated yet" in unrated.reasons
    assert unrated.points["popularity"] == pytest.approx(2.0)


def test_context_fit_scales_when_the_window_is_too_small(models: list[CatalogEntry]) -> None:
    by_id = {rec.entry.id: rec for rec in recommend("summarize a 100-page report", models, limit=4)}
    assert by_id["cheap-text"].points["context"] == pytest.approx(10 * 8_000 / 60_000, abs=0.01)
    assert by_id["mid-text"].points["context"] == 10
    assert "128K context fits your 60K-token task" in by_id["mid-text"].reasons


def test_real_catalog_recommendations_fit_the_task() -> None:
    entries = read_catalog_file(bundled_catalog_path()).models
    images = recommend("make a poster with lettering for a concert", entries)
    assert len(images) == 3 and all(rec.entry.kind == "image" for rec in images)
    embeddings = recommend("semantic search over support tickets", entries)
    assert all(rec.entry.kind == "embedding" for rec in embeddings)
    code = recommend("fix a bug in my Rust function", entries)
    assert all(rec.entry.kind in ("code", "chat") and rec.points["capability"] > 0 for rec in code)
    local = recommend("private chat that runs offline on my laptop", entries)
    assert all(rec.entry.licence.weights for rec in local)
    assert all(rec.summary and rec.reasons for rec in images + embeddings + code + local)


def test_a_hard_task_favours_strong_hosted_models_over_free_small_ones() -> None:
    entries = read_catalog_file(bundled_catalog_path()).models
    top = recommend("a strong model for hard math proofs", entries)
    assert all(not rec.entry.local_only for rec in top)
    assert all("reasoning" in rec.entry.capabilities for rec in top)
    assert all("among the strongest for hard tasks" in rec.reasons for rec in top)
    assert top[0].summary.startswith("strongest")


def test_free_local_models_earn_full_cost_points_only_when_asked_for_and_small() -> None:
    entries = {entry.id: entry for entry in read_catalog_file(bundled_catalog_path()).models}
    pool = [entries["qwen3-8b"], entries["qwen2.5-vl-72b"], entries["gpt-5-nano"]]
    hosted = {rec.entry.id: rec for rec in recommend("answer questions about our products", pool)}
    assert hosted["qwen3-8b"].points["cost"] < 15
    assert hosted["qwen2.5-vl-72b"].points["cost"] < hosted["qwen3-8b"].points["cost"]
    assert "free, but its 72B parameters need a large GPU server" in hosted["qwen2.5-vl-72b"].reasons

    offline = recommend("run offline on my laptop", list(entries.values()))
    assert all(any(way.local for way in rec.entry.routes) for rec in offline)  # each has a local route
    assert (offline[0].entry.parameters_b or 0) <= 14
    assert offline[0].points["cost"] == max(rec.points["cost"] for rec in offline)


def test_a_request_to_make_pictures_recommends_image_models() -> None:
    entries = read_catalog_file(bundled_catalog_path()).models
    for task in ("generate product images for my shop", "design a few banners", "create some icons"):
        assert all(rec.entry.kind == "image" for rec in recommend(task, entries)), task
