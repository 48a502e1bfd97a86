"""The load-time rules of issue 18, on the shipped file and each one against an entry that breaks it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.services.catalog.loader import bundled_catalog_path, read_catalog_file
from app.services.catalog.rules import RETIRED, SIZE_TAG, is_alias
from app.services.catalog.schema import CatalogFormatError


def entry(data: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(item for item in data["models"] if item["id"] == model_id)


def rejected(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogFormatError) as caught:
        read_catalog_file(path)
    return str(caught.value)


# --- the shipped file keeps every rule -------------------------------------------------------------------
SHIPPED = read_catalog_file(bundled_catalog_path())


def test_every_hosted_route_has_its_own_price_and_local_routes_are_free() -> None:
    for item in SHIPPED.models:
        for way in item.served_by:
            if way.local:
                assert way.pricing is None and way.price.input == 0, (item.id, way.model)
            elif item.kind in ("chat", "code"):
                assert way.pricing is not None and None not in (way.pricing.input, way.pricing.output), item.id
            elif item.kind == "image":
                assert way.pricing is not None and way.pricing.per_image is not None, (item.id, way.model)
    # the four open models once priced $0 while listed with paid OpenRouter ids
    for model_id in ("gemma-3-27b", "deepseek-r1", "qwen3-235b-a22b", "qwen2.5-coder-32b"):
        item = next(e for e in SHIPPED.models if e.id == model_id)
        paid = item.route("openrouter")
        assert paid is not None and paid.price.input and paid.price.output, model_id
        assert item.route("ollama") is not None and item.route("ollama").price.input == 0  # type: ignore[union-attr]


def test_deepseek_chat_keeps_each_routes_own_price() -> None:
    item = next(e for e in SHIPPED.models if e.id == "deepseek-chat")
    own, routed = item.route("deepseek"), item.route("openrouter")
    assert own is not None and routed is not None and own.price != routed.price


def test_no_route_uses_an_id_retired_by_the_catalogs_date() -> None:
    for item in SHIPPED.models:
        for way in item.served_by:
            retired = RETIRED.get((way.provider, way.model))
            assert retired is None or retired > SHIPPED.as_of, (item.id, way.model)
    kimi = next(e for e in SHIPPED.models if e.id == "kimi-k2")
    assert kimi.served_on("groq") == "moonshotai/kimi-k2-instruct-0905" and kimi.context_window == 262_144


def test_aliases_are_pinned_and_magistral_medium_describes_the_version_it_calls() -> None:
    for item in SHIPPED.models:
        for way in item.served_by:
            assert not is_alias(way) or way.resolves_to, (item.id, way.model)
    magistral = next(e for e in SHIPPED.models if e.id == "magistral-medium")
    assert magistral.served_on("mistral") == "magistral-medium-2509"
    assert magistral.context_window == 131_072 and "image" in magistral.input_modalities


def test_every_ollama_route_names_the_tag_whose_size_the_entry_describes() -> None:
    routes = [(item, way) for item in SHIPPED.models for way in item.served_by if way.provider == "ollama"]
    assert len(routes) >= 15
    for item, way in routes:
        _, _, tag = way.model.partition(":")
        assert tag and tag != "latest", way.model
        sized = SIZE_TAG.match(tag)
        if sized and item.parameters_b:
            size = float(sized.group(1)) / (1000 if sized.group(2) == "m" else 1)
            assert abs(item.parameters_b - size) <= 0.15 * size, (item.id, way.model)
    r1 = next(e for e in SHIPPED.models if e.id == "deepseek-r1")
    assert r1.served_on("ollama") == "deepseek-r1:671b" and r1.parameters_b == 671


def test_max_output_never_repeats_the_context_window() -> None:
    unknown = []
    for item in SHIPPED.models:
        if item.max_output_tokens is not None and item.context_window is not None:
            assert item.max_output_tokens < item.context_window, item.id
        if item.kind in ("chat", "code") and item.max_output_tokens is None:
            unknown.append(item.id)
    assert {"grok-4", "grok-3-mini", "phi-4", "mistral-medium-3.1", "codestral-2508"} <= set(unknown)


def test_licences_say_whether_commercial_use_is_allowed() -> None:
    by_id = {item.id: item.licence for item in SHIPPED.models}
    for model_id in ("command-a", "command-r", "flux-dev", "flux-kontext-dev"):
        assert by_id[model_id].weights and not by_id[model_id].commercial, model_id
    for model_id in ("mistral-large-2411", "pixtral-large", "ministral-8b"):
        assert by_id[model_id].weights and not by_id[model_id].commercial, model_id  # research licence
    assert by_id["gpt-oss-120b"].weights and by_id["gpt-oss-120b"].commercial
    assert not by_id["gpt-5"].weights


def test_every_entry_is_reachable_or_says_how_to_run_it() -> None:
    for item in SHIPPED.models:
        assert item.served_by or item.studio_model or item.how_to_run, item.id
    by_id = {item.id: item for item in SHIPPED.models}
    assert "ComfyUI" in by_id["sdxl-1.0"].how_to_run and "ComfyUI" in by_id["flux-kontext-dev"].how_to_run
    together = by_id["flux-schnell"].route("together")
    assert together is not None and together.price.per_image is not None


# --- each rule rejects what it was made for --------------------------------------------------------------
@pytest.mark.parametrize(
    ("model_id", "change", "message"),
    [
        ("gemma-3-27b", lambda e: e["served_by"][1].pop("pricing"), "is hosted and has no pricing"),
        (
            "gemma-3-27b",
            lambda e: e["served_by"][0].update(pricing={"input": 0, "output": 0}),
            "runs on the person's hardware and has no price",
        ),
        (
            "kimi-k2",
            lambda e: e["served_by"][0].update(model="moonshotai/kimi-k2-instruct"),
            "groq retired 'moonshotai/kimi-k2-instruct' on 2025-10-10",
        ),
        (
            "magistral-medium",
            lambda e: e["served_by"][0].update(model="magistral-medium-latest"),
            "is an alias: name the pinned id it resolves to",
        ),
        ("deepseek-r1", lambda e: e["served_by"][0].update(model="deepseek-r1"), "name the exact tag"),
        ("deepseek-r1", lambda e: e["served_by"][0].update(model="deepseek-r1:7b"), "pulls a 7B model"),
        ("grok-4", lambda e: e.update(max_output_tokens=e["context_window"]), "is not below the context window"),
        (
            "command-a",
            lambda e: e["licence"].update(commercial=True),
            "restricts commercial use, so commercial must be false",
        ),
        ("sdxl-1.0", lambda e: e.update(how_to_run=""), "say how to run it in how_to_run"),
        (
            "flux-schnell",
            lambda e: e["served_by"][0].update(pricing={"note": "Runs on your own GPU."}),
            "an image route needs pricing.per_image",
        ),
        (
            "llama-4-scout",
            lambda e: e["served_by"][0].update(context_window=e["context_window"] + 1),
            "is not below the model's",
        ),
    ],
)
def test_a_broken_rule_is_named_with_its_entry(
    tmp_path: Path, catalog_data: dict[str, Any], model_id: str, change: Any, message: str
) -> None:
    change(entry(catalog_data, model_id))
    text = rejected(tmp_path, catalog_data)
    assert message in text and model_id in text


def test_a_retired_id_is_fine_in_a_catalog_dated_before_the_retirement(
    tmp_path: Path, catalog_data: dict[str, Any]
) -> None:
    entry(catalog_data, "kimi-k2")["served_by"][0]["model"] = "moonshotai/kimi-k2-instruct"
    catalog_data["as_of"] = "2025-09-01"
    path = tmp_path / "models.json"
    path.write_text(json.dumps(catalog_data), encoding="utf-8")
    assert read_catalog_file(path).as_of.isoformat() == "2025-09-01"
