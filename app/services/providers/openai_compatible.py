"""Any OpenAI-compatible chat endpoint through the official ``openai`` SDK (OpenAI, Gemini, Groq, Ollama…)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import openai

from app.services.providers.base import (
    ChatChunk,
    ChatRequest,
    ContextOverflow,
    DroppedStream,
    MalformedResponse,
    ProviderError,
    ServerError,
    Usage,
)
from app.services.providers.errors import is_context_overflow, map_error
from app.services.providers.sdk_provider import SdkChatProvider
from app.services.providers.sse import sse_data

log = logging.getLogger(__name__)

# Local servers need no key, but the SDK insists on one; this placeholder is never a secret.
NO_KEY = "not-needed"


class OpenAICompatibleProvider(SdkChatProvider):
    """Streams ``/chat/completions`` and reads the server-sent events itself: the SDK's stream cannot tell
    a body that ended with ``data: [DONE]`` from one that was cut off, and fails on events that are not
    objects (``data: null``). Reasoning deltas (``reasoning_content`` — DeepSeek, vLLM, llama.cpp —
    and ``reasoning`` — OpenRouter) come out as ``ChatChunk.reasoning``.

    ``first_byte_timeout`` (seconds) is how long the server may take to answer and between two pieces of
    a reply; a local server loading a big model needs minutes, so it is separate from ``timeout``.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = 60.0,
        first_byte_timeout: float | None = None,
        local: bool = False,
    ) -> None:
        super().__init__(name)
        self.base_url = base_url
        self.local = local
        self.wait_s = first_byte_timeout or timeout
        limits = openai.Timeout(timeout, connect=min(timeout, 15.0), read=self.wait_s)
        # Retries are ours (with a visible countdown), so the SDK must not retry silently.
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or NO_KEY, max_retries=0, timeout=limits)
        self._usage_option_supported = True

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        messages: list[dict[str, str]] = []
        if request.system_prompt.strip():
            messages.append({"role": "system", "content": request.system_prompt})
        messages += [{"role": turn.role, "content": turn.content} for turn in request.turns]
        # The conversation goes in ``extra_body`` (which the SDK merges over its own fields): the SDK's
        # per-field transform of a long history is pure Python and would stall the UI thread for 100+ ms.
        arguments: dict[str, Any] = {
            "model": request.model,
            "messages": [],
            "stream": True,
            "extra_body": {"messages": messages},
        }
        params = request.params
        for key in ("temperature", "top_p", "max_tokens", "frequency_penalty", "presence_penalty"):
            value = getattr(params, key)
            if value is not None:
                arguments[key] = value
        if self._usage_option_supported:
            arguments["stream_options"] = {"include_usage": True}
        return arguments

    async def _open(self, request: ChatRequest, stack: contextlib.AsyncExitStack) -> Any:
        create = self._client.chat.completions.with_streaming_response.create
        try:
            return await stack.enter_async_context(create(**self._arguments(request)))
        except openai.BadRequestError as error:
            # Some older servers reject ``stream_options``; ask again without it, once, and remember.
            if self._usage_option_supported and "stream_options" in str(error):
                log.info("%s does not accept stream_options; streaming without usage", self.name)
                self._usage_option_supported = False
                return await stack.enter_async_context(create(**self._arguments(request)))
            raise

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        received = finished = done = False
        async with contextlib.AsyncExitStack() as stack:
            try:
                response = await self._open(request, stack)
            except Exception as error:
                raise map_error(error, self.name, streaming=False, timeout=self.wait_s) from error
            try:
                events = await stack.enter_async_context(contextlib.aclosing(sse_data(response.iter_lines())))
                async for data in events:
                    if data.strip() == "[DONE]":
                        done = True
                        break
                    for chunk in self._chunks(data):
                        received = received or bool(chunk.text or chunk.reasoning)
                        finished = finished or chunk.finish_reason is not None
                        yield chunk
            except Exception as error:
                raise map_error(error, self.name, streaming=True, received=received) from error
        if not (finished or done):
            # The server closed the body with neither a finish_reason nor [DONE]: the reply was cut off.
            raise DroppedStream(self.name, received=received)

    def _chunks(self, data: str) -> list[ChatChunk]:
        """The chunks of one event's data; events that are not JSON objects are skipped."""
        try:
            event = json.loads(data)
        except ValueError as error:
            raise MalformedResponse(self.name, f"not JSON: {data[:80]!r}") from error
        if not isinstance(event, dict):
            log.debug("%s sent a non-object event: %.80s", self.name, data)
            return []
        failure = event.get("error")
        if failure:
            said = failure.get("message") if isinstance(failure, dict) else failure
            detail = str(said or "")[:300]
            if is_context_overflow(detail):
                raise ContextOverflow(self.name, detail)
            raise ServerError(self.name, None, detail)
        found: list[ChatChunk] = []
        choices = event.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                if isinstance(reasoning, str) and reasoning:
                    found.append(ChatChunk(reasoning=reasoning))
                content = delta.get("content")
                if isinstance(content, str) and content:
                    found.append(ChatChunk(text=content))
            reason = choice.get("finish_reason")
            if isinstance(reason, str) and reason:
                found.append(ChatChunk(finish_reason=reason))
        usage = event.get("usage")
        if isinstance(usage, dict) and _count(usage.get("prompt_tokens")) is not None:
            found.append(
                ChatChunk(
                    usage=Usage(_count(usage.get("prompt_tokens")) or 0, _count(usage.get("completion_tokens")) or 0)
                )
            )
        return found

    async def explain_failure(self, request: ChatRequest) -> ProviderError | None:
        arguments = self._arguments(request)
        arguments.pop("stream_options", None)
        arguments["stream"] = False
        try:
            await self._client.chat.completions.create(**arguments)
        except Exception as error:
            return map_error(error, self.name, streaming=False, timeout=self.wait_s)
        return None

    def warm_up(self) -> None:
        import anyio._backends._asyncio  # noqa: F401  (the HTTP stack imports it on the first request)

        _ = self._client.chat.completions  # the resource modules load on first access


def _count(value: object) -> int | None:
    """A token count from a usage block: a non-negative int (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    return None
