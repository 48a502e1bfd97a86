"""The rules that keep the catalog true, checked on every load (file, stored copy or refresh).

Each rule is a kind of error once found in the shipped data (issue 18): a price that belongs to one route
applied to all of them, ids a provider retired, aliases whose target changed, Ollama tags that pull a
different model than the entry describes, the context window repeated as "max output", ``open_weights``
where a licence forbids commercial use, and models nobody can reach. A rule raises ``ValueError`` with a
message that names the route or field; pydantic turns it into a :class:`CatalogFormatError` naming the
entry.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.catalog.schema import CatalogEntry, CatalogFile, Serving

# (provider, model id) -> the day the provider stopped serving it. From the providers' deprecation pages
# (console.groq.com/docs/deprecations, platform.openai.com/docs/deprecations,
# docs.anthropic.com/en/docs/about-claude/model-deprecations, ai.google.dev/gemini-api/docs/changelog,
# docs.mistral.ai/getting-started/models/#deprecated); only ids retired on or before a catalog's date count.
RETIRED: dict[tuple[str, str], dt.date] = {
    ("groq", "moonshotai/kimi-k2-instruct"): dt.date(2025, 10, 10),  # successor: moonshotai/kimi-k2-instruct-0905
    ("groq", "llama3-70b-8192"): dt.date(2025, 8, 30),
    ("groq", "llama3-8b-8192"): dt.date(2025, 8, 30),
    ("groq", "gemma2-9b-it"): dt.date(2025, 10, 8),
    ("groq", "qwen-qwq-32b"): dt.date(2025, 7, 14),
    ("groq", "mistral-saba-24b"): dt.date(2025, 7, 14),
    ("openai", "gpt-4.5-preview"): dt.date(2025, 7, 14),
    ("openai", "o1-preview"): dt.date(2025, 7, 28),
    ("anthropic", "claude-3-sonnet-20240229"): dt.date(2025, 7, 21),
    ("anthropic", "claude-2.1"): dt.date(2025, 7, 21),
    ("google", "gemini-1.5-pro"): dt.date(2025, 9, 24),
    ("google", "gemini-1.5-flash"): dt.date(2025, 9, 24),
    ("mistral", "mistral-large-2402"): dt.date(2025, 6, 16),
    ("mistral", "open-mixtral-8x22b"): dt.date(2025, 3, 30),
}

SIZE_TAG = re.compile(r"^(\d+(?:\.\d+)?)([bm])(?:$|[-_])")  # "27b", "335m", "70b-instruct-q4_K_M"
SIZE_TOLERANCE = 0.15  # tags round: gpt-oss:120b is 117B, qwen3:32b is 32.8B
NON_COMMERCIAL = re.compile(r"non[- ]?commercial|\bNC\b|research", re.IGNORECASE)


def is_alias(way: Serving) -> bool:
    """An id that a provider re-points over time: ``…-latest``, or an Ollama name without a tag."""
    if way.provider == "ollama":
        return ":" not in way.model or way.model.endswith(":latest")
    return way.model.endswith("-latest") or way.model == "latest"


def check_entry(entry: CatalogEntry) -> None:
    """Every per-entry rule; raises ``ValueError`` naming the first broken one."""
    _check_reachable(entry)
    _check_licence(entry)
    _check_max_output(entry)
    for position, way in enumerate(entry.served_by):
        where = f"served_by.{position} ({way.provider} {way.model})"
        _check_route_price(entry, way, where)
        _check_route_limits(entry, way, where)
        _check_alias(way, where)
        _check_ollama_tag(entry, way, where)


def check_catalog(catalog: CatalogFile) -> None:
    """Rules that need the catalog's date: no route may use an id its provider retired by then."""
    for index, entry in enumerate(catalog.models):
        for way in entry.served_by:
            retired = RETIRED.get((way.provider, way.model))
            if retired is not None and retired <= catalog.as_of and way.listed:
                raise ValueError(
                    f"entry {index} ({entry.id!r}): {way.provider} retired {way.model!r} on {retired.isoformat()},"
                    f" before the catalog's date {catalog.as_of.isoformat()}"
                )


def _check_reachable(entry: CatalogEntry) -> None:
    if not entry.served_by and entry.studio_model is None and not entry.how_to_run.strip():
        raise ValueError("no route serves it and no studio_model runs it: say how to run it in how_to_run")


def _check_licence(entry: CatalogEntry) -> None:
    licence = entry.licence
    if NON_COMMERCIAL.search(licence.name) and licence.commercial:
        raise ValueError(f"licence {licence.name!r} restricts commercial use, so commercial must be false")
    if licence.name.lower().startswith("proprietary") and licence.weights:
        raise ValueError("a proprietary licence publishes no weights")
    if any(way.local for way in entry.served_by) and not licence.weights:
        raise ValueError("a local route needs downloadable weights (licence.weights)")


def _check_max_output(entry: CatalogEntry) -> None:
    # Repeating the context window as the maximum output was a placeholder on 15 entries, the real figure
    # for none. A model's own figure is smaller; a route that really allows the whole window says so itself.
    most, context = entry.max_output_tokens, entry.context_window
    if most is not None and context is not None and most >= context:
        raise ValueError(
            f"max_output_tokens {most} is not below the context window {context}:"
            " leave it null (unknown) or give the route's own limit"
        )


def _check_route_price(entry: CatalogEntry, way: Serving, where: str) -> None:
    if way.local:
        return  # the schema forbids a price: your hardware
    price = way.pricing
    if price is None:
        raise ValueError(f"{where} is hosted and has no pricing (give 0 only when the route really is free)")
    if entry.kind in ("chat", "code") and (price.input is None or price.output is None):
        raise ValueError(f"{where}: a {entry.kind} route needs pricing.input and pricing.output")
    if entry.kind == "embedding" and price.input is None:
        raise ValueError(f"{where}: an embedding route needs pricing.input")
    token_priced = price.input is not None and price.output is not None and bool(price.note)
    if entry.kind == "image" and price.per_image is None and not token_priced:
        raise ValueError(
            f"{where}: an image route needs pricing.per_image (one ~1 MP image), or token prices and a note"
        )


def _check_route_limits(entry: CatalogEntry, way: Serving, where: str) -> None:
    model_context = entry.context_window
    if way.context_window is not None and model_context is not None and way.context_window >= model_context:
        raise ValueError(
            f"{where}: context_window {way.context_window} is not below the model's {model_context};"
            " give a route's context only where the route limits it"
        )
    ceiling = way.context_window or model_context
    if way.max_output_tokens is not None and ceiling is not None and way.max_output_tokens > ceiling:
        raise ValueError(f"{where}: max_output_tokens {way.max_output_tokens} exceeds its context {ceiling}")


def _check_alias(way: Serving, where: str) -> None:
    if way.provider == "ollama":
        return  # an untagged Ollama name is an error of its own (see _check_ollama_tag)
    if is_alias(way) and not way.resolves_to:
        raise ValueError(f"{where} is an alias: name the pinned id it resolves to in resolves_to")
    if way.resolves_to and not is_alias(way):
        raise ValueError(f"{where} is already pinned; resolves_to is only for alias ids")


def _check_ollama_tag(entry: CatalogEntry, way: Serving, where: str) -> None:
    if way.provider != "ollama":
        return
    if is_alias(way):
        raise ValueError(
            f"{where}: name the exact tag (e.g. {way.model.split(':')[0]}:27b); an untagged name pulls"
            " whatever Ollama marks latest, often a small distilled model"
        )
    tag = way.model.split(":", 1)[1]
    sized = SIZE_TAG.match(tag)
    if sized is None:
        return  # a named tag (llama4:scout, nomic-embed-text:v1.5): the entry's parameters_b describes it
    billions = float(sized.group(1)) / (1000 if sized.group(2) == "m" else 1)
    if entry.parameters_b is None:
        raise ValueError(f"{where}: the tag pulls a {billions:g}B model; give parameters_b")
    if abs(entry.parameters_b - billions) > SIZE_TOLERANCE * billions:
        raise ValueError(f"{where}: the tag pulls a {billions:g}B model but parameters_b is {entry.parameters_b:g}")
