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
    def __init__(self, name: str, base_url: str, api_key: str | None, *, timeout: float = 60.0) -> None:
        super().__init__(name)
        self.base_url = base_url
        self._client = anthropic.AsyncAnthropic(
            base_url=base_url, api_key=api_key or "", max_retries=0, timeout=timeout
        )

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
            raise map_error(error, self.name, streaming=False) from error
        started = False
        stopped = False
        input_tokens = 0
        output_tokens = 0
        try:
            async for event in events:
                started = True
                kind = event.type
                if kind == "message_start":
                    usage = event.message.usage
                    input_tokens = usage.input_tokens or 0
                    output_tokens = usage.output_tokens or 0
                elif kind == "content_block_delta":
                    text = getattr(event.delta, "text", None)
                    if text:
                        yield ChatChunk(text=text)
                elif kind == "message_delta":
                    if event.usage is not None and event.usage.output_tokens is not None:
                        output_tokens = event.usage.output_tokens
                    if event.delta.stop_reason:
                        yield ChatChunk(finish_reason=event.delta.stop_reason)
                elif kind == "message_stop":
                    stopped = True
        except Exception as error:
            raise map_error(error, self.name, streaming=started) from error
        finally:
            await events.close()
        if not stopped:
            raise DroppedStream(self.name)
        yield ChatChunk(usage=Usage(input_tokens, output_tokens))

    def warm_up(self) -> None:
        import anyio._backends._asyncio  # noqa: F401  (the HTTP stack imports it on the first request)

        _ = self._client.messages  # the resource modules load on first access
