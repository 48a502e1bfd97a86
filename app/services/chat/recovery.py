"""Replies cut off by a crash or kill get the same estimated token counts and cost as a stopped one.

A reply that is stopped is counted (estimated with the token estimator) when it ends; one that was still
streaming when the app died is only marked "interrupted" at the next start, so it is counted here, on
the database thread, before the session totals are read.
"""

from __future__ import annotations

from app.services.chat.pricing import PriceLookup, cost_of
from app.services.chat.store import ChatStore
from app.services.chat.tokens import TokenEstimator


def count_restored(store: ChatStore, estimator: TokenEstimator, prices: PriceLookup, message_ids: list[int]) -> int:
    """Gives each of ``message_ids`` (restored replies without counts) estimated counts and a cost; the
    prompt is everything before the reply in its session. Returns how many were counted."""
    counted = 0
    for message_id in message_ids:
        message = store.message(message_id)
        if message.tokens_in is not None or message.tokens_out is not None:
            continue
        session = store.session(message.session_id)
        earlier = [m.content for m in store.messages(message.session_id) if m.id < message_id]
        tokens_in = estimator.count("\n".join([session.system_prompt, *earlier]))
        tokens_out = estimator.count(message.content + (message.reasoning or ""))
        provider, model = message.provider or session.provider, message.model or session.model
        cost = cost_of(prices, provider, model, tokens_in, tokens_out)
        store.update_message(message_id, tokens_in=tokens_in, tokens_out=tokens_out, estimated=True, cost=cost)
        counted += 1
    return counted
