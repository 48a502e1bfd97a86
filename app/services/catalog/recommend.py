"""Recommendations: a task description in, the best three models out, each scored out of 75 with reasons.

Points: capability fit 0–20, rating 0–15, cost efficiency 0–15, context fit 0–10, popularity 0–10,
provider preference 0–5 (``WEIGHTS``). Each part is worked out as a share from 0 to 1 and scaled by its
weight, so ``WEIGHTS`` is the one place the scale is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.services.catalog.analysis import QueryAnalysis, analyze_query
from app.services.catalog.formatting import format_rate, format_tokens
from app.services.catalog.schema import CatalogEntry
from app.services.providers.registry import PROVIDERS

WEIGHTS: dict[str, int] = {
    "capability": 20,
    "rating": 15,
    "cost": 15,
    "context": 10,
    "popularity": 10,
    "provider": 5,
}
MAX_SCORE = sum(WEIGHTS.values())  # 75
DEFAULT_CONTEXT = 32_000  # enough for an ordinary conversation when the task says nothing about length
_PROVIDER_NAMES = {info.id: info.name for info in PROVIDERS}
_NEED_WORDS = {
    "long-context": "a long context",
    "multilingual": "many languages",
    "tools": "tool use",
    "code": "coding skills",
    "audio": "audio input",
    "json": "structured output",
    "image-generation": "image generation",
    "image-editing": "image editing",
    "text-rendering": "text in images",
    "rag": "grounded answers",
    "open-weights": "open weights",
}


@dataclass(frozen=True)
class Recommendation:
    entry: CatalogEntry
    points: dict[str, float]  # part name -> points, each within WEIGHTS[part]
    reasons: tuple[str, ...]  # one short phrase per part that matters
    summary: str  # one sentence, e.g. "cheapest model with vision and a 128K context"

    @property
    def score(self) -> int:
        return round(sum(self.points.values()))


def _need_word(need: str) -> str:
    return _NEED_WORDS.get(need, need)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def has_need(entry: CatalogEntry, need: str, min_context: int) -> bool:
    caps = entry.capabilities
    if need == "vision":
        return "vision" in caps or "image" in entry.input_modalities
    if need == "audio":
        return "audio" in caps or "audio" in entry.input_modalities
    if need == "code":
        return entry.kind == "code" or "code" in caps
    if need == "long-context":
        return (entry.context_window or 0) >= max(min_context, 100_000)
    if need == "open-weights":
        return entry.licence.weights
    if need == "embeddings":
        return entry.kind == "embedding"
    return need in caps


def candidates_for(entries: Iterable[CatalogEntry], analysis: QueryAnalysis) -> list[CatalogEntry]:
    kinds = {"code": ("code", "chat")}.get(analysis.kind, (analysis.kind,))
    # a model whose every route the provider stopped listing is shown in the Marketplace, never recommended
    return [entry for entry in entries if entry.kind in kinds and (entry.routes or not entry.served_by)]


def _needs(analysis: QueryAnalysis) -> list[str]:
    needs = sorted(analysis.needs)
    if analysis.prefers_local:
        needs.append("open-weights")
    return needs


LAPTOP_PARAMETERS_B = 14  # what an ordinary computer (16–32 GB) runs well, quantized


def _runs_locally(entry: CatalogEntry, analysis: QueryAnalysis) -> bool:
    """Judged on its local route: the only way it runs, or the way a person who asked to run locally uses."""
    return entry.local_only or (analysis.prefers_local and any(way.local for way in entry.routes))


def _cost_share(entry: CatalogEntry, analysis: QueryAnalysis, low: float, high: float) -> float:
    """0..1 of the cost weight: cheapest hosted price 1, dearest 0, on a log scale between them."""
    price = entry.reference_price
    local = _runs_locally(entry, analysis)
    if price is None and not local:
        return 1 / 3  # no public price: neither rewarded nor ruled out
    if local:
        # $0 only because you bring the machine: a model larger than an ordinary computer runs needs a GPU
        # server, and even a small one is your hardware and upkeep, so full marks only when asked for.
        size = entry.parameters_b or LAPTOP_PARAMETERS_B
        fits = 1.0 if size <= LAPTOP_PARAMETERS_B else math.sqrt(LAPTOP_PARAMETERS_B / size)
        return fits if analysis.prefers_local else min(fits, 2 / 3)
    if not price or high <= low:
        return 1.0
    return (math.log(high) - math.log(min(max(price, low), high))) / (math.log(high) - math.log(low))


def strength(entry: CatalogEntry, price_range: tuple[float, float]) -> float:
    """0..1: how capable a model is for hard work, from what the market charges for it (hosted models) or
    its size (models you run yourself), with a lift for reasoning models."""
    if entry.local_only:
        size = entry.parameters_b or 1.0
        base = min(1.0, math.log10(max(size, 1.0)) / math.log10(400))  # 1B → 0, ~400B → 1
    else:
        price = entry.reference_price
        low, high = price_range
        if not price or high <= low:
            base = 0.5
        else:
            base = (math.log(min(max(price, low), high)) - math.log(low)) / (math.log(high) - math.log(low))
    if "reasoning" in entry.capabilities:
        base = min(1.0, base + 0.25)
    return round(base, 3)


# How much a model's strength counts, by task complexity: a hard task is neither met nor done cheaply by a
# weak model, so capability fit and cost efficiency are both scaled by (1 - w) + w × strength.
STRENGTH_WEIGHT = {"simple": 0.0, "moderate": 0.4, "complex": 1.0}


def _suitability(entry: CatalogEntry, analysis: QueryAnalysis, price_range: tuple[float, float]) -> float:
    weight = STRENGTH_WEIGHT[analysis.complexity] if entry.kind in ("chat", "code") else 0.0
    return (1 - weight) + weight * strength(entry, price_range)


def _context_share(entry: CatalogEntry, analysis: QueryAnalysis) -> float:
    """0..1 of the context weight: 1 when the context holds the task, else the part of it that fits."""
    if entry.kind == "image":
        return 1.0
    wanted = analysis.min_context or (DEFAULT_CONTEXT if entry.kind != "embedding" else 8_000)
    have = entry.context_window or 0
    return 1.0 if have >= wanted else have / wanted


def _weighted(part: str, share: float) -> float:
    """``share`` (0..1) of the part's weight in ``WEIGHTS``, to two decimals."""
    return round(WEIGHTS[part] * share, 2)


NEUTRAL_RATING = 0.5  # an unrated model gets half the rating points: neither praised nor punished


def _preferred_way(entry: CatalogEntry, preferred: frozenset[str], analysis: QueryAnalysis) -> str | None:
    for way in entry.routes:
        if way.provider in preferred:
            return f"runs with your {_PROVIDER_NAMES.get(way.provider, way.provider)} key"
    if analysis.prefers_local and entry.served_on("ollama"):
        return "runs locally with Ollama"
    if entry.kind == "image" and entry.studio_model:
        return "runs in Amethyst Studio"
    return None


def score_entry(
    entry: CatalogEntry,
    analysis: QueryAnalysis,
    *,
    ratings: Mapping[str, int],
    usage: Mapping[str, int],
    price_range: tuple[float, float],
    most_used: int,
    preferred: frozenset[str],
) -> tuple[dict[str, float], list[str]]:
    needs = _needs(analysis)
    met = [need for need in needs if has_need(entry, need, analysis.min_context)]
    missing = [need for need in needs if need not in met]
    points: dict[str, float] = {}
    reasons: list[str] = []

    fit = len(met) / len(needs) if needs else 1.0
    suitability = _suitability(entry, analysis, price_range)
    points["capability"] = _weighted("capability", fit * suitability)
    if analysis.complexity == "complex" and strength(entry, price_range) >= 0.75:
        reasons.append("among the strongest for hard tasks")
    if met:
        reasons.append("has " + _join([_need_word(need) for need in met]))
    if missing:
        reasons.append("lacks " + _join([_need_word(need) for need in missing]))

    stars = ratings.get(entry.id)
    points["rating"] = _weighted("rating", stars / 5 if stars else NEUTRAL_RATING)
    reasons.append(f"you rated it {stars}★" if stars else "not rated yet")

    price = entry.reference_price
    points["cost"] = _weighted("cost", _cost_share(entry, analysis, *price_range) * suitability)
    if _runs_locally(entry, analysis) and (entry.parameters_b or 0) > LAPTOP_PARAMETERS_B:
        reasons.append(f"free, but its {entry.parameters_b:g}B parameters need a large GPU server")
    elif price == 0 or _runs_locally(entry, analysis):
        reasons.append("free to run on your own computer")
    elif price is None:
        reasons.append("no public price")
    elif entry.kind == "image":
        reasons.append(f"{format_rate(price)} per image")
    elif entry.kind == "embedding":
        reasons.append(f"{format_rate(price)} per 1M tokens")
    else:
        rate = entry.pricing
        reasons.append(f"{format_rate(rate.input)} in / {format_rate(rate.output)} out per 1M tokens")

    context_share = _context_share(entry, analysis)
    points["context"] = _weighted("context", context_share)
    if entry.context_window and entry.kind != "image":
        fits = "fits" if context_share >= 1.0 else "is short for"
        target = f" {fits} your {format_tokens(analysis.min_context)}-token task" if analysis.min_context else ""
        reasons.append(f"{format_tokens(entry.context_window)} context{target}")

    used = usage.get(entry.id, 0)
    points["popularity"] = _weighted("popularity", used / most_used if most_used else 0.0)
    if used:
        reasons.append(f"used {used} time{'s' if used != 1 else ''}")

    way = _preferred_way(entry, preferred, analysis)
    points["provider"] = _weighted("provider", 1.0 if way else 0.0)
    if way:
        reasons.append(way)
    return points, reasons


def _summary(rec_entry: CatalogEntry, points: dict[str, float], best: dict[str, float], analysis: QueryAnalysis) -> str:
    if points["capability"] > best["capability"] - 0.01 and analysis.complexity == "complex":
        lead = "strongest"
    elif points["cost"] >= best["cost"] and rec_entry.reference_price is not None:
        lead = "free" if rec_entry.reference_price == 0 else "cheapest"
    elif points["rating"] >= best["rating"] and points["rating"] > WEIGHTS["rating"] * NEUTRAL_RATING:
        lead = "highest-rated"
    elif points["popularity"] >= best["popularity"] and points["popularity"] > 0:
        lead = "most-used"
    elif points["capability"] >= best["capability"]:
        lead = "best-fitting"
    else:
        lead = "a solid"
    noun = {"image": "image model", "embedding": "embedding model", "code": "coding model"}.get(rec_entry.kind, "model")
    features = [
        _need_word(need)
        for need in _needs(analysis)
        if need not in ("long-context", "image-generation", "embeddings")
        and has_need(rec_entry, need, analysis.min_context)
    ]
    if rec_entry.context_window and rec_entry.kind in ("chat", "code") and (analysis.min_context or not features):
        features.append(f"a {format_tokens(rec_entry.context_window)} context")
    text = f"{lead} {noun}"
    return f"{text} with {_join(features)}" if features else text


def recommend(
    text: str,
    entries: Iterable[CatalogEntry],
    *,
    ratings: Mapping[str, int] | None = None,
    usage: Mapping[str, int] | None = None,
    preferred_providers: Iterable[str] = (),
    limit: int = 3,
) -> list[Recommendation]:
    """The ``limit`` best models for the task in ``text``, best first."""
    analysis = analyze_query(text)
    ratings, usage = ratings or {}, usage or {}
    pool = candidates_for(entries, analysis)
    if not pool:
        return []
    prices = [e.reference_price for e in pool if e.reference_price and not e.local_only]
    price_range = (min(prices), max(prices)) if prices else (1.0, 1.0)
    most_used = max((usage.get(entry.id, 0) for entry in pool), default=0)
    preferred = frozenset(preferred_providers)
    scored = []
    for entry in pool:
        points, reasons = score_entry(
            entry,
            analysis,
            ratings=ratings,
            usage=usage,
            price_range=price_range,
            most_used=most_used,
            preferred=preferred,
        )
        scored.append((sum(points.values()), points["capability"], entry, points, reasons))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].name))
    top = scored[:limit]
    best = {
        part: max(item[3][part] for item in scored if item[3]["capability"] >= top[0][3]["capability"])
        for part in WEIGHTS
    }
    return [
        Recommendation(entry, points, tuple(reasons), _summary(entry, points, best, analysis))
        for _, _, entry, points, reasons in top
    ]
