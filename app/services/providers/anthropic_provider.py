"""Anthropic's Messages API through the official ``anthropic`` SDK, streamed as raw events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic

from app.services.providers.base import ChatChunk, ChatRequest, DroppedStream, Usage
from app.services.providers.errors import map_error
from app.services.providers.sdk_provider import SdkChatProvider

# The Messages API requires max_tokens; this is used when the session leaves it open.
DEFAULT_MAX_TOKENS = 4096


class AnthropicProvider(SdkChatProvider):
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
        limits = anthropic.Timeout(timeout, connect=min(timeout, 15.0), read=self.wait_s)
        self._client = anthropic.AsyncAnthropic(base_url=base_url, api_key=api_key or "", max_retries=0, timeout=limits)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        params = request.params
        # The conversation and sampling settings go in ``extra_body``, merged over the SDK's own fields:
        # its per-field transform of a long history would stall the UI thread, and recent SDK versions no
        # longer accept temperature/top_p as arguments while the API still reads them.
        body: dict[str, Any] = {"messages": [{"role": turn.role, "content": turn.content} for turn in request.turns]}
        arguments: dict[str, Any] = {
            "model": request.model,
            "messages": [],
            "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS,
            "stream": True,
            "extra_body": body,
        }
        if request.system_prompt.strip():
            arguments["system"] = request.system_prompt
        # Anthropic has no frequency/presence penalties; they are not sent.
        if params.temperature is not None:
            body["temperature"] = min(1.0, max(0.0, params.temperature))
        elif params.top_p is not None:  # newer models refuse both at once
            body["top_p"] = params.top_p
        return arguments

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        try:
            events = await self._client.messages.create(**self._arguments(request))
        except Exception as error:
            raise map_error(error, self.name, streaming=False, timeout=self.wait_s) from error
        received = stopped = False
        input_tokens = output_tokens = 0
        try:
            async for event in events:
                kind = getattr(event, "type", None)
                if not isinstance(kind, str):  # ``data: null`` and other non-objects: skipped
                    continue
                if kind == "message_start":
                    usage = getattr(getattr(event, "message", None), "usage", None)
                    input_tokens = _count(getattr(usage, "input_tokens", 0))
                    output_tokens = _count(getattr(usage, "output_tokens", 0))
                elif kind == "content_block_delta":
                    delta = getattr(event, "delta", None)
                    text, thinking = getattr(delta, "text", None), getattr(delta, "thinking", None)
                    if isinstance(thinking, str) and thinking:  # extended thinking (``thinking_delta``)
                        received = True
                        yield ChatChunk(reasoning=thinking)
                    if isinstance(text, str) and text:
                        received = True
                        yield ChatChunk(text=text)
                elif kind == "message_delta":
                    usage = getattr(event, "usage", None)
                    if getattr(usage, "output_tokens", None) is not None:
                        output_tokens = _count(usage.output_tokens)  # type: ignore[union-attr]
                    reason = getattr(getattr(event, "delta", None), "stop_reason", None)
                    if isinstance(reason, str) and reason:
                        yield ChatChunk(finish_reason=reason)
                elif kind == "message_stop":
                    stopped = True
        except Exception as error:
            raise map_error(error, self.name, streaming=True, received=received) from error
        finally:
            await events.close()
        if not stopped:
            raise DroppedStream(self.name, received=received)
        yield ChatChunk(usage=Usage(input_tokens, output_tokens))

    def warm_up(self) -> None:
        import anyio._backends._asyncio  # noqa: F401  (the HTTP stack imports it on the first request)

        _ = self._client.messages  # the resource modules load on first access


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12 else 0
