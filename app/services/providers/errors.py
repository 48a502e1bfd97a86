"""Turning the official SDKs' exceptions into the typed errors of ``base``; one mapping for both SDKs."""

from __future__ import annotations

import json
import sys
from types import ModuleType

import pydantic

from app.services.providers.base import (
    ConnectionFailed,
    DroppedStream,
    KeyRejected,
    MalformedResponse,
    ProviderError,
    RateLimited,
    RequestRejected,
    ServerError,
    error_detail,
    parse_retry_after,
)


def _loaded_sdks() -> list[ModuleType]:
    """The SDKs imported so far: each is imported only when its first provider is built (anthropic and
    openai cost ~60 MB of memory each), and an SDK that is not loaded cannot have raised anything."""
    return [sys.modules[name] for name in ("openai", "anthropic") if name in sys.modules]


def _classes(attribute: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(sdk, attribute) for sdk in _loaded_sdks())


def _is_transport_error(error: BaseException) -> bool:
    module = type(error).__module__
    return module.startswith(("httpx", "httpcore", "anyio", "h11")) or isinstance(error, ConnectionError)


def map_error(error: BaseException, provider_name: str, *, streaming: bool) -> ProviderError:
    """The typed error for an SDK exception; ``streaming`` says whether reply text had begun to arrive."""
    if isinstance(error, ProviderError):
        return error
    status_errors, connection_errors = _classes("APIStatusError"), _classes("APIConnectionError")
    if isinstance(error, status_errors):
        status = int(getattr(error, "status_code", 0))
        if status == 401:
            return KeyRejected(provider_name, error_detail(error))
        if status == 429:
            response = getattr(error, "response", None)
            return RateLimited(provider_name, parse_retry_after(getattr(response, "headers", None)))
        if status >= 500:
            return ServerError(provider_name, status, error_detail(error))
        if status == 200:  # an ``error`` event inside a stream that had started
            return ServerError(provider_name, None, error_detail(error))
        return RequestRejected(provider_name, status, error_detail(error))
    if isinstance(error, _classes("APIError")) and not isinstance(error, connection_errors):
        # openai raises a bare APIError for an ``{"error": …}`` object inside the stream
        return ServerError(provider_name, None, error_detail(error))
    if isinstance(error, connection_errors) or _is_transport_error(error):
        if streaming:
            return DroppedStream(provider_name)
        return ConnectionFailed(provider_name, str(error.__cause__ or error)[:200])
    if isinstance(error, json.JSONDecodeError | pydantic.ValidationError | KeyError | TypeError | ValueError):
        return MalformedResponse(provider_name, str(error).splitlines()[0][:200] if str(error) else "")
    return ProviderError(f"{provider_name}: {type(error).__name__}: {error}"[:400])
