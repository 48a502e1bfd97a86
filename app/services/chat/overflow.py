"""Context overflow: recognising it when a server only drops the stream, and what helps afterwards.

llama.cpp-based servers (llama-cpp-python's OpenAI server among them) answer a prompt longer than the
model's context with ``200 OK`` and then abort the stream, so the error never reaches the client. When a
stream drops before its first word, the request is asked once more without streaming (and with
``max_tokens=1``): the server then answers with its error text (``Requested tokens (…) exceed context
window of …``), which ``errors.is_context_overflow`` recognises.

Before a request is sent at all, its estimated size (tiktoken) is compared with the route's context window
from the catalog (``context_window``): a prompt that obviously cannot fit fails at once, with the same
remedies, instead of after a round trip that may end in a dropped stream.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from app.services.providers.base import ChatProvider, ChatRequest, ContextOverflow, ProviderError, Turn

log = logging.getLogger(__name__)

CATALOG_KNOWS = "find_served"  # what a price lookup offers when it is the catalog (CatalogService)

CONTEXT_OVERFLOW = "context_overflow"  # the finish_reason stored on a reply that overflowed


async def explain_drop(provider: ChatProvider, request: ChatRequest) -> ContextOverflow | None:
    """``ContextOverflow`` when asking ``request`` again without streaming says so; None otherwise."""
    probe = replace(request, params=replace(request.params, max_tokens=1))
    try:
        error = await provider.explain_failure(probe)
    except Exception:  # the probe is a courtesy: it must never replace the original error
        log.exception("asking %s why the stream dropped failed", provider.name)
        return None
    return error if isinstance(error, ContextOverflow) else None


def trimmed(turns: list[Turn], keep_fraction: float = 0.5) -> list[Turn]:
    """``turns`` without the oldest ones: the newer ``keep_fraction`` of them (at least the last question),
    starting with a question so the conversation still alternates."""
    if len(turns) <= 1:
        return list(turns)
    keep = max(1, int(len(turns) * keep_fraction))
    kept = list(turns[-keep:])
    while len(kept) > 1 and kept[0].role != "user":
        kept.pop(0)
    return kept


def overflow_error(error: ProviderError) -> bool:
    return isinstance(error, ContextOverflow)


def context_window(catalog: object, provider_id: str, model: str) -> int | None:
    """The context window (tokens) of ``provider_id``'s ``model`` in the catalog: the route's own limit
    where it sets one (Groq serves some models with less), else the model's; None when unknown (a custom
    endpoint, a model the catalog does not list, or no catalog wired in)."""
    find = getattr(catalog, CATALOG_KNOWS, None)
    if find is None:
        return None
    entry = find(provider_id, model)
    if entry is None:
        return None
    route = entry.route(provider_id, model)
    window = route.context_window if route is not None and route.context_window else entry.context_window
    return int(window) if window else None


def too_long(provider_name: str, model: str, estimated: int, window: int) -> ContextOverflow:
    """The error of a prompt estimated at ``estimated`` tokens for a context window of ``window``."""
    return ContextOverflow(
        provider_name, f"this chat is about {estimated:,} tokens; {model} takes {window:,}; nothing was sent"
    )
