"""Costs from catalog prices. The catalog service is wired in by the app; tests pass a small table.

A price belongs to the route a reply actually came through (the provider and its model id), not to the
model: Llama 3.3 70B is free on Ollama, $0.59 / $0.79 at Groq and another price through OpenRouter.
"""

from __future__ import annotations

from typing import Protocol


class PriceLookup(Protocol):
    def price_for(self, model_id: str, provider: str | None = None) -> tuple[float, float] | None:
        """(USD per 1M input tokens, USD per 1M output tokens) or None when unknown.

        With ``provider``, ``model_id`` is that provider's id for the model and the price is that route's.
        """
        ...


class NoPrices:
    """Used until a catalog is wired in: every cost is unknown."""

    def price_for(self, model_id: str, provider: str | None = None) -> tuple[float, float] | None:
        return None


def cost_of(prices: PriceLookup, provider: str, model: str, tokens_in: int, tokens_out: int) -> float | None:
    """USD for one reply through ``provider``'s ``model``, or None when that route has no known price.
    A local server (Ollama, LM Studio, llama.cpp, vLLM) runs on the person's machine: 0.0, free."""
    from app.services.providers.registry import PROVIDERS

    if any(info.id == provider and info.local for info in PROVIDERS):
        return 0.0
    price = prices.price_for(model, provider)
    if price is None:
        return None
    per_in, per_out = price
    return (tokens_in * per_in + tokens_out * per_out) / 1_000_000
