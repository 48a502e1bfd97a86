"""Turning the official SDKs' exceptions into the typed errors of ``base``; one mapping for both SDKs."""

from __future__ import annotations

import json
import logging
import re
import sys
from types import ModuleType

import pydantic

from app.services.providers.base import (
    ConnectionFailed,
    ConnectionKind,
    ContextOverflow,
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

log = logging.getLogger(__name__)


def _loaded_sdks() -> list[ModuleType]:
    """The SDKs imported so far: each is imported only when its first provider is built (anthropic and
    openai cost ~60 MB of memory each), and an SDK that is not loaded cannot have raised anything."""
    return [sys.modules[name] for name in ("openai", "anthropic") if name in sys.modules]


def _classes(attribute: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(sdk, attribute) for sdk in _loaded_sdks())


def _is_transport_error(error: BaseException) -> bool:
    module = type(error).__module__
    return module.startswith(("httpx", "httpcore", "anyio", "h11")) or isinstance(error, ConnectionError)


# What servers say when the prompt does not fit: OpenAI ("maximum context length"), Anthropic ("prompt is
# too long"), llama.cpp ("exceeds the available context size", "n_ctx"), vLLM/Ollama ("context length"),
# Mistral/Groq ("too large for model with … context"), Gemini ("input token count … exceeds").
_OVERFLOW = re.compile(
    r"context[ _](length|window|size)|maximum context|n_ctx|prompt is too long|too many tokens"
    r"|exceeds? the (available )?context|input token count|context_length_exceeded|reduce the length",
    re.IGNORECASE,
)


def is_context_overflow(text: str) -> bool:
    """Whether a server's error text says the conversation is longer than the model's context window."""
    return bool(_OVERFLOW.search(text or ""))


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _named(error: BaseException, *names: str) -> bool:
    """Whether ``error``'s class or a base is called one of ``names``: the SDKs bundle different HTTP
    stacks (``httpx``, ``httpx2``), whose exception classes share names but not identity."""
    return any(klass.__name__ in names for klass in type(error).__mro__)


def connection_kind(error: BaseException) -> ConnectionKind:
    """What a transport failure before any answer was: refused, timed out, no response, or unreachable."""
    for cause in _causes(error):
        if _named(cause, "TimeoutException", "APITimeoutError", "TimeoutError"):
            return "timeout"
        if isinstance(cause, ConnectionRefusedError) or (
            _named(cause, "ConnectError") and "refused" in str(cause).lower()
        ):
            return "refused"
        if isinstance(cause, ConnectionResetError) or _named(cause, "RemoteProtocolError", "ReadError"):
            return "no-response"
    return "unreachable"


def map_error(
    error: BaseException, provider_name: str, *, streaming: bool, received: bool = True, timeout: float = 0
) -> ProviderError:
    """The typed error for an SDK exception. ``streaming``: the server had answered (status and headers);
    ``received``: reply text had begun to arrive; ``timeout``: the wait for an answer, for the message."""
    if isinstance(error, ProviderError):
        return error
    status_errors, connection_errors = _classes("APIStatusError"), _classes("APIConnectionError")
    if isinstance(error, status_errors):
        status = int(getattr(error, "status_code", 0))
        detail = error_detail(error)
        if status in (400, 413, 422) and is_context_overflow(detail):
            return ContextOverflow(provider_name, detail)
        if status == 401:
            return KeyRejected(provider_name, detail)
        if status == 429:
            response = getattr(error, "response", None)
            return RateLimited(provider_name, parse_retry_after(getattr(response, "headers", None)))
        if status >= 500 or status == 200:  # 200: an ``error`` event inside a stream that had started
            return (
                ContextOverflow(provider_name, detail)
                if is_context_overflow(detail)
                else ServerError(provider_name, status if status != 200 else None, detail)
            )
        return RequestRejected(provider_name, status, detail)
    if isinstance(error, _classes("APIError")) and not isinstance(error, connection_errors):
        # openai raises a bare APIError for an ``{"error": …}`` object inside the stream
        detail = error_detail(error)
        return (
            ContextOverflow(provider_name, detail)
            if is_context_overflow(detail)
            else ServerError(provider_name, None, detail)
        )
    if isinstance(error, connection_errors) or _is_transport_error(error) or isinstance(error, TimeoutError):
        if streaming:
            return DroppedStream(provider_name, received=received)
        kind = connection_kind(error)
        return ConnectionFailed(provider_name, _short(error), kind=kind, seconds=timeout if kind == "timeout" else 0)
    if isinstance(error, json.JSONDecodeError | pydantic.ValidationError | KeyError | TypeError | ValueError):
        log.warning("%s sent unreadable data: %s", provider_name, error)
        return MalformedResponse(provider_name, str(error)[:200])
    # A bug or a library surprise: the person gets a sentence, the log gets the traceback.
    log.error("unexpected error from %s", provider_name, exc_info=error)
    return ProviderError(f"Something went wrong while talking to {provider_name}. The details are in the log.")


def _short(error: BaseException) -> str:
    """A human hint for an unreachable host (DNS or TLS), without exception class names."""
    text = str(error.__cause__ or error).lower()
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "The address could not be found; check the server address and the network."
    if "ssl" in text or "certificate" in text:
        return "The secure connection failed (TLS certificate)."
    return "Check the address and the network."
