"""Refreshing the catalog from an OpenRouter-style ``/api/v1/models`` listing, and merging it in.

Listing items carry ``id``, ``name``, ``context_length``, ``pricing.prompt``/``completion`` (USD per
token, as strings), ``architecture.input_modalities``/``output_modalities``,
``top_provider.max_completion_tokens`` and ``supported_parameters``. A known model's OpenRouter route gets
the listing's price, context and maximum output (other routes keep their own); models the catalog lacks are
added, served through OpenRouter; an OpenRouter route whose id the listing no longer has is marked
``delisted_on`` the refresh's date and reported, so the Marketplace stops offering it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from app.services.catalog.schema import CatalogEntry, Licence, Pricing, Serving

log = logging.getLogger(__name__)

_MAKERS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "meta-llama": "Meta",
    "mistralai": "Mistral",
    "cohere": "Cohere",
    "deepseek": "DeepSeek",
    "qwen": "Qwen",
    "x-ai": "xAI",
    "moonshotai": "Moonshot AI",
    "microsoft": "Microsoft",
    "black-forest-labs": "Black Forest Labs",
    "stabilityai": "Stability AI",
    "nvidia": "NVIDIA",
    "amazon": "Amazon",
    "perplexity": "Perplexity",
}
_MODALITIES = {"text", "image", "audio", "video", "file", "embedding"}
_CODE_WORDS = ("coder", "codestral", "codex", "devstral", "code-")


class CatalogRefreshError(Exception):
    """The listing could not be fetched or read; the message is written for the person."""


@dataclass(frozen=True)
class RefreshResult:
    source: str
    listed: int  # items in the listing
    updated: int  # catalog models whose numbers came from the listing
    added: int  # models new to the catalog
    skipped: int  # listing items that could not be read
    total: int  # models in the catalog afterwards
    dropped: tuple[str, ...] = ()  # catalog ids whose OpenRouter id the listing no longer has
    repriced: tuple[str, ...] = ()  # catalog ids whose OpenRouter price changed


async def fetch_listing(url: str, *, timeout: float, attempts: int = 2) -> Any:
    """The decoded JSON of the listing; retries once on a dropped connection or a server error."""
    last_error: CatalogRefreshError | None = None
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), follow_redirects=True) as client:
        for attempt in range(attempts):
            try:
                response = await client.get(url, headers={"Accept": "application/json"})
            except httpx.TimeoutException:
                raise CatalogRefreshError(
                    f"The model listing at {url} did not answer within {timeout:g} seconds."
                ) from None
            except httpx.HTTPError as error:
                last_error = CatalogRefreshError(f"The model listing at {url} could not be reached ({error}).")
            else:
                if response.status_code < 500:
                    if response.status_code != 200:
                        raise CatalogRefreshError(f"The model listing at {url} answered HTTP {response.status_code}.")
                    try:
                        return response.json()
                    except ValueError:
                        raise CatalogRefreshError(f"The model listing at {url} did not answer with JSON.") from None
                last_error = CatalogRefreshError(f"The model listing at {url} answered HTTP {response.status_code}.")
            if attempt + 1 < attempts:
                await asyncio.sleep(0.5 * 2**attempt)
    assert last_error is not None
    raise last_error


def _per_million(value: Any) -> float | None:
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return round(price * 1_000_000, 6) if price >= 0 else None


def _modalities(values: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(values, list):
        return default
    kept = tuple(value for value in values if value in _MODALITIES)
    return kept or default


def entry_from_listing(item: dict[str, Any]) -> CatalogEntry:
    """A catalog entry for one listing item; ``ValueError``/``ValidationError`` when it cannot be one."""
    listing_id = item["id"]
    if not isinstance(listing_id, str) or "/" not in listing_id:
        raise ValueError(f"unexpected model id {listing_id!r}")
    maker_key = listing_id.split("/", 1)[0]
    raw_name = str(item.get("name") or listing_id)
    maker, _, short_name = raw_name.partition(": ")
    if not short_name:
        maker, short_name = "", raw_name
    provider = _MAKERS.get(maker_key) or maker or maker_key.replace("-", " ").title()

    architecture = item.get("architecture") or {}
    top = item.get("top_provider") or {}
    pricing = item.get("pricing") or {}
    inputs = _modalities(architecture.get("input_modalities"), ("text",))
    outputs = _modalities(architecture.get("output_modalities"), ("text",))
    parameters = set(item.get("supported_parameters") or ())
    if "image" in outputs:
        kind = "image"
    elif "embedding" in outputs or "embed" in listing_id:
        kind = "embedding"
    elif any(word in listing_id for word in _CODE_WORDS):
        kind = "code"
    else:
        kind = "chat"
    capabilities = []
    if "image" in inputs:
        capabilities.append("vision")
    if "audio" in inputs:
        capabilities.append("audio")
    if "tools" in parameters:
        capabilities.append("tools")
    if parameters & {"response_format", "structured_outputs"}:
        capabilities.append("json")
    if parameters & {"reasoning", "include_reasoning"}:
        capabilities.append("reasoning")
    if kind == "code":
        capabilities.append("code")
    if kind == "image":
        capabilities.append("image-generation")
    context = item.get("context_length") or top.get("context_length")
    if isinstance(context, int) and context >= 500_000:
        capabilities.append("long-context")
    created = item.get("created")
    released = (
        dt.datetime.fromtimestamp(created, dt.UTC).date() if isinstance(created, int | float) else dt.date.today()
    )
    price_in, price_out = _per_million(pricing.get("prompt")), _per_million(pricing.get("completion"))
    return CatalogEntry.model_validate(
        {
            "id": listing_id,
            "provider": provider,
            "name": short_name.strip(),
            "description": str(item.get("description") or "")[:600],
            "kind": kind,
            "input_modalities": inputs,
            "output_modalities": outputs,
            "capabilities": tuple(capabilities),
            "context_window": context if isinstance(context, int) and context > 0 else None,
            "licence": Licence(
                # the listing names no licence: weights are published when it links Hugging Face; commercial
                # use is not assumed
                name="Not stated by the listing; see the model page",
                weights=bool(item.get("hugging_face_id")),
                commercial=False,
            ),
            "release_date": released,
            "source_url": f"https://openrouter.ai/{listing_id}",
            "served_by": (
                Serving(
                    provider="openrouter",
                    model=listing_id,
                    pricing=Pricing(
                        input=price_in,
                        output=price_out,
                        note="Price as listed by OpenRouter." if kind != "image" else "Priced per token on OpenRouter.",
                    ),
                    max_output_tokens=_route_max_output(top.get("max_completion_tokens"), context),
                ),
            ),
        }
    )


def _route_max_output(value: Any, context: Any) -> int | None:
    if not isinstance(value, int) or value <= 0:
        return None
    return min(value, context) if isinstance(context, int) and context > 0 else value


def listed_ids(payload: Any) -> frozenset[str]:
    """Every model id the listing names, readable or not: what the provider still offers."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        return frozenset()
    return frozenset(str(item["id"]) for item in data if isinstance(item, dict) and isinstance(item.get("id"), str))


def parse_listing(payload: Any) -> tuple[list[CatalogEntry], int]:
    """The listing's models and how many items were skipped as unreadable."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise CatalogRefreshError('The model listing has no "data" list of models.')
    entries: list[CatalogEntry] = []
    skipped = 0
    for item in data:
        if not isinstance(item, dict) or ":" in str(item.get("id", "")):  # ":free" and other variants
            skipped += not isinstance(item, dict)
            continue
        try:
            entries.append(entry_from_listing(item))
        except (KeyError, TypeError, ValueError, ValidationError) as error:
            skipped += 1
            log.info("skipping listing item %r: %s", item.get("id"), error)
    if not entries:
        raise CatalogRefreshError("The model listing held no model that could be read.")
    return entries, skipped


def merge(
    base: list[CatalogEntry],
    listed: list[CatalogEntry],
    still_listed: frozenset[str] | None = None,
    today: dt.date | None = None,
) -> tuple[list[CatalogEntry], int, int]:
    """``base`` with the listing's numbers on each OpenRouter route, plus the listed models it lacks.

    An OpenRouter route whose id is not in ``still_listed`` (all ids the listing names; default: those of
    ``listed``) gets ``delisted_on=today``. Returns (merged, updated, added); :func:`merge_report` tells
    which ids were dropped or repriced.
    """
    merged, updated, added, _, _ = merge_report(base, listed, still_listed, today)
    return merged, updated, added


def merge_report(
    base: list[CatalogEntry],
    listed: list[CatalogEntry],
    still_listed: frozenset[str] | None = None,
    today: dt.date | None = None,
) -> tuple[list[CatalogEntry], int, int, tuple[str, ...], tuple[str, ...]]:
    """:func:`merge`, also returning (dropped ids, repriced ids) in catalog order."""
    today = today or dt.date.today()
    names = still_listed if still_listed is not None else frozenset(item.id for item in listed)
    by_listing_id = {item.id: item for item in listed}
    known_ids = {entry.id for entry in base}
    merged: list[CatalogEntry] = []
    updated = added = 0
    dropped: list[str] = []
    repriced: list[str] = []
    for current in base:
        routes = list(current.served_by)
        changed = False
        for position, way in enumerate(routes):
            if way.provider != "openrouter":
                continue
            if way.model not in names:
                if way.delisted_on is None:
                    routes[position] = way.model_copy(update={"delisted_on": today})
                    changed = True
                dropped.append(current.id)
                continue
            item = by_listing_id.get(way.model)
            fresh = _fresh_route(current, way, item) if item is not None else way
            if (
                item is not None
                and (item.context_window or 0) > (current.context_window or 0)
                and current.context_window
            ):
                # the listing serves more than the catalog knew (a newer long-context version): the model's own
                current = current.model_copy(update={"context_window": item.context_window})
                changed = True
            if fresh.pricing != way.pricing:
                repriced.append(current.id)
            if fresh != way:
                routes[position] = fresh
                changed = True
        if changed:
            merged.append(current.model_copy(update={"served_by": tuple(routes)}))
            updated += 1
        else:
            merged.append(current)
    routed = {way.model for entry in base for way in entry.served_by if way.provider == "openrouter"}
    for item in listed:
        if item.id not in routed and item.id not in known_ids:
            merged.append(item)
            known_ids.add(item.id)
            added += 1
    return merged, updated, added, tuple(dropped), tuple(repriced)


def _fresh_route(entry: CatalogEntry, way: Serving, item: CatalogEntry) -> Serving:
    """``way`` with the listing's price and limits; the model's own figures stay the entry's."""
    changes: dict[str, Any] = {"delisted_on": None}
    if entry.kind in ("chat", "code"):
        listed_price = item.served_by[0].price
        if listed_price.input is not None and listed_price.output is not None:
            old = way.price
            changes["pricing"] = old.model_copy(update={"input": listed_price.input, "output": listed_price.output})
        context = item.context_window
        model_context = entry.context_window
        if context and model_context:
            changes["context_window"] = context if context < model_context else None
        ceiling = changes.get("context_window", way.context_window) or model_context
        max_output = item.served_by[0].max_output_tokens
        if max_output and ceiling:
            changes["max_output_tokens"] = min(max_output, ceiling)
    return way.model_copy(update=changes)
