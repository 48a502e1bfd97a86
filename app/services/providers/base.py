"""The one interface every chat provider speaks, and the typed errors a reply can end with.

A provider streams a reply as ``ChatChunk`` items: text deltas, and at the end the usage when the server
reports it. Cancelling the consuming task (or closing the async generator) stops the HTTP stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation as sent to a provider."""

    role: Role
    content: str


@dataclass(frozen=True)
class SamplingParams:
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class ChatChunk:
    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    model: str
    turns: Sequence[Turn]
    system_prompt: str = ""
    params: SamplingParams = field(default_factory=SamplingParams)


class ProviderError(Exception):
    """A reply that could not be completed; ``message`` is what the person reads."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingKey(ProviderError):
    def __init__(self, provider_name: str) -> None:
        super().__init__(f"No API key for {provider_name}. Add one in Settings → Keys.")


class KeyRejected(ProviderError):
    def __init__(self, provider_name: str, detail: str = "") -> None:
        text = f"{provider_name} rejected the API key (401)."
        super().__init__(f"{text} {detail}".strip())


class RateLimited(ProviderError):
    retryable = True

    def __init__(self, provider_name: str, retry_after: float | None) -> None:
        wait = f" Retry after {retry_after:g} s." if retry_after is not None else ""
        super().__init__(f"{provider_name} is rate limiting requests (429).{wait}")
        self.retry_after = retry_after


class ServerError(ProviderError):
    retryable = True

    def __init__(self, provider_name: str, status: int | None, detail: str = "") -> None:
        code = f" ({status})" if status else ""
        super().__init__(f"{provider_name} had a server error{code}. {detail}".strip())
        self.status = status


class RequestRejected(ProviderError):
    """A 4xx other than 401/429: bad model name, context too long, …"""

    def __init__(self, provider_name: str, status: int, detail: str) -> None:
        super().__init__(f"{provider_name} refused the request ({status}): {detail}")
        self.status = status


class ConnectionFailed(ProviderError):
    retryable = True

    def __init__(self, provider_name: str, detail: str = "") -> None:
        super().__init__(f"Could not reach {provider_name}. {detail}".strip())


class DroppedStream(ProviderError):
    retryable = True

    def __init__(self, provider_name: str) -> None:
        super().__init__(f"The connection to {provider_name} dropped before the reply was finished.")


class MalformedResponse(ProviderError):
    def __init__(self, provider_name: str, detail: str = "") -> None:
        super().__init__(f"{provider_name} sent data that could not be read. {detail}".strip())


class ChatProvider(ABC):
    """Streams replies from one provider endpoint."""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """Text deltas of the reply, then a chunk with ``usage`` when the server reports it."""

    @abstractmethod
    async def list_models(self) -> list[str]:
        """Model ids the endpoint serves."""

    def warm_up(self) -> None:  # noqa: B027  (optional hook)
        """Does the slow first-use work (lazy imports, client setup) now; may run on a worker thread."""

    async def aclose(self) -> None:  # noqa: B027  (optional hook)
        """Release connections."""


def parse_retry_after(headers: object) -> float | None:
    """Seconds from ``Retry-After`` (or ``retry-after-ms``); None when absent or an HTTP date we ignore."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    milliseconds = get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    seconds = get("retry-after")
    if seconds:
        try:
            return max(0.0, float(seconds))
        except ValueError:
            return None
    return None


def error_detail(error: BaseException) -> str:
    """A short human text from an SDK status error's body."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:300]
    message = getattr(error, "message", None) or str(error)
    return str(message)[:300]
