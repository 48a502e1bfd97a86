"""Costs from catalog prices. The catalog service is wired in by the app; tests pass a small table."""

from __future__ import annotations

from typing import Protocol


class PriceLookup(Protocol):
    def price_for(self, model_id: str) -> tuple[float, float] | None:
        """(USD per 1M input tokens, USD per 1M output tokens) of a catalog model id, or None."""
        ...


class NoPrices:
    """Used until a catalog is wired in: every cost is unknown."""

    def price_for(self, model_id: str) -> tuple[float, float] | None:
        return None


def catalog_ids(provider: str, model: str) -> tuple[str, ...]:
    """Catalog ids look like ``openai/gpt-4o``; a model served elsewhere may already carry its maker."""
    return (f"{provider}/{model}", model)


def cost_of(prices: PriceLookup, provider: str, model: str, tokens_in: int, tokens_out: int) -> float | None:
    for model_id in catalog_ids(provider, model):
        price = prices.price_for(model_id)
        if price is not None:
            per_in, per_out = price
            return (tokens_in * per_in + tokens_out * per_out) / 1_000_000
    return None
