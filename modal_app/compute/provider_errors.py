"""Messages for provider failures, as Chat shows them: what happened and what the person can do."""

from __future__ import annotations

import math
import re


def retry_after_seconds(value: str | None) -> int | None:
    """Seconds from a ``Retry-After`` header (delta seconds; an HTTP date is not used by these providers)
    or from Google's ``RetryInfo.retryDelay`` ("30s", "1.5s"); None when absent or unreadable."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*s?\s*", value)
    return math.ceil(float(match.group(1))) if match else None


def key_rejected(provider: str, where: str) -> str:
    return f"{provider} rejected the API key — check or replace it in {where}"


def no_key(provider: str, where: str) -> str:
    return f"no {provider} API key — add one in {where}"


def rate_limited(provider: str, seconds: int | None) -> str:
    wait = f"try again in {seconds} s" if seconds is not None else "try again in a little while"
    return f"{provider} is rate-limiting requests (429) — {wait}"


def safety_refusal(provider: str, reason: str) -> str:
    return f"{provider} refused this prompt for safety: {reason.strip() or 'no reason given'}"


def unreachable(provider: str, error: BaseException) -> str:
    return f"could not reach {provider} ({type(error).__name__}); check the network and try again"


def scrub(text: str, secret: str | None) -> str:
    """``text`` with the secret (and anything key-shaped) removed: provider messages sometimes echo keys."""
    if secret:
        text = text.replace(secret, "[key]")
    return re.sub(r"\b(sk-[A-Za-z0-9_\-*]{6,}|AIza[0-9A-Za-z_\-]{20,})", "[key]", text)
