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
    """One piece of a streamed reply: answer text, reasoning text (``reasoning_content``/``reasoning``
    deltas, Anthropic thinking), the usage, or the provider's own finish reason ("stop", "length",
    "max_tokens", "content_filter", "refusal", …)."""

    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None
    reasoning: str = ""


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


ConnectionKind = Literal["refused", "timeout", "no-response", "unreachable"]


class ConnectionFailed(ProviderError):
    """No answer came back. ``kind`` says what happened: the connection was ``refused`` (nothing listens
    there), it ``timeout``-ed before the server answered, the server closed it with ``no-response`` (often a
    dead pooled keep-alive connection: worth one immediate retry), or the host is ``unreachable`` (DNS, TLS,
    network)."""

    retryable = True

    def __init__(
        self, provider_name: str, detail: str = "", *, kind: ConnectionKind = "unreachable", seconds: float = 0
    ) -> None:
        self.kind = kind
        texts = {
            "refused": f"{provider_name} refused the connection — is the server running at its address?",
            "timeout": f"{provider_name} did not answer within {seconds:g} s."
            if seconds
            else f"{provider_name} timed out before answering.",
            "no-response": f"{provider_name} closed the connection without answering.",
            "unreachable": f"Could not reach {provider_name}. {detail}".strip(),
        }
        super().__init__(texts[kind])


class DroppedStream(ProviderError):
    """The server answered, then the body ended without a finish: before any text (``received`` False) or
    part way through the reply."""

    retryable = True

    def __init__(self, provider_name: str, *, received: bool = True) -> None:
        self.received = received
        if received:
            super().__init__(f"The connection to {provider_name} dropped before the reply was finished.")
        else:
            super().__init__(f"{provider_name} answered, then closed the connection before the first word.")


class ContextOverflow(ProviderError):
    """The conversation does not fit the model's context window; ``detail`` is the server's own words."""

    def __init__(self, provider_name: str, detail: str = "") -> None:
        said = f" ({provider_name}: {detail.strip()[:200]})" if detail.strip() else ""
        super().__init__(
            "This conversation is too long for the model's context window"
            f"{said}. Retry without the oldest turns, start a new chat from the last question, "
            "or pick a model with a bigger context."
        )
        self.detail = detail


class MalformedResponse(ProviderError):
    """The server sent something that is not the protocol; the technical detail goes to the log only."""

    def __init__(self, provider_name: str, detail: str = "") -> None:
        super().__init__(f"{provider_name} sent data that could not be read.")
        self.detail = detail


class ChatProvider(ABC):
    """Streams replies from one provider endpoint."""

    #: a server on this computer or network (Ollama, LM Studio, …): it may need minutes to load a model
    local: bool = False

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """Text deltas of the reply, then a chunk with ``usage`` when the server reports it."""

    @abstractmethod
    async def list_models(self) -> list[str]:
        """Model ids the endpoint serves."""

    async def explain_failure(self, request: ChatRequest) -> ProviderError | None:
        """Asks ``request`` once without streaming to learn why a stream failed silently (a server that
        answers 200 and then aborts); the typed error it answers with, or None. Optional."""
        return None

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
