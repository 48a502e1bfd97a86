"""Refreshing the catalog from an OpenRouter-style ``/api/v1/models`` listing, and merging it in.

Listing items carry ``id``, ``name``, ``context_length``, ``pricing.prompt``/``completion`` (USD per
token, as strings), ``architecture.input_modalities``/``output_modalities``,
``top_provider.max_completion_tokens`` and ``supported_parameters``. Known models get fresh numbers;
models the catalog lacks are added, served through OpenRouter.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from app.services.catalog.schema import CatalogEntry, Pricing, Serving

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
            "max_output_tokens": top.get("max_completion_tokens") or None,
            "pricing": Pricing(
                input=price_in,
                output=price_out,
                note="Price as listed by OpenRouter." if kind != "image" else "Priced per token on OpenRouter.",
            ),
            "open_weights": bool(item.get("hugging_face_id")),
            "release_date": released,
            "source_url": f"https://openrouter.ai/{listing_id}",
            "served_by": (Serving(provider="openrouter", model=listing_id),),
        }
    )


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


def merge(base: list[CatalogEntry], listed: list[CatalogEntry]) -> tuple[list[CatalogEntry], int, int]:
    """``base`` with fresh numbers from ``listed``, plus the listed models it lacks.

    Returns (merged, updated, added).
    """
    by_listing_id = {entry.served_on("openrouter"): position for position, entry in enumerate(base)}
    known_ids = {entry.id for entry in base}
    merged = list(base)
    updated = added = 0
    for item in listed:
        position = by_listing_id.get(item.id)
        if position is None:
            if item.id not in known_ids:
                merged.append(item)
                known_ids.add(item.id)
                added += 1
            continue
        current = merged[position]
        changes: dict[str, Any] = {}
        if item.context_window and current.kind in ("chat", "code"):
            changes["context_window"] = item.context_window
        if item.max_output_tokens and current.kind in ("chat", "code"):
            changes["max_output_tokens"] = item.max_output_tokens
        price = current.pricing
        paid = price.input and price.output and current.kind in ("chat", "code")
        if paid and item.pricing.input and item.pricing.output:
            changes["pricing"] = price.model_copy(update={"input": item.pricing.input, "output": item.pricing.output})
        if changes:
            merged[position] = current.model_copy(update=changes)
            updated += 1
    return merged, updated, added
