"""Any OpenAI-compatible chat endpoint through the official ``openai`` SDK (OpenAI, Gemini, Groq, Ollama…)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import openai

from app.services.providers.base import (
    ChatChunk,
    ChatRequest,
    DroppedStream,
    Usage,
)
from app.services.providers.errors import map_error
from app.services.providers.sdk_provider import SdkChatProvider

log = logging.getLogger(__name__)

# Local servers need no key, but the SDK insists on one; this placeholder is never a secret.
NO_KEY = "not-needed"


class OpenAICompatibleProvider(SdkChatProvider):
    def __init__(self, name: str, base_url: str, api_key: str | None, *, timeout: float = 60.0) -> None:
        super().__init__(name)
        self.base_url = base_url
        # Retries are ours (with a visible countdown), so the SDK must not retry silently.
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or NO_KEY, max_retries=0, timeout=timeout)
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

    async def _open(self, request: ChatRequest) -> Any:
        try:
            return await self._client.chat.completions.create(**self._arguments(request))
        except openai.BadRequestError as error:
            # Some older servers reject ``stream_options``; ask again without it, once, and remember.
            if self._usage_option_supported and "stream_options" in str(error):
                log.info("%s does not accept stream_options; streaming without usage", self.name)
                self._usage_option_supported = False
                return await self._client.chat.completions.create(**self._arguments(request))
            raise

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        started = False
        finished = False
        try:
            stream = await self._open(request)
        except Exception as error:
            raise map_error(error, self.name, streaming=False) from error
        try:
            async for chunk in stream:
                started = True
                usage = getattr(chunk, "usage", None)
                for choice in chunk.choices or ():
                    text = choice.delta.content if choice.delta is not None else None
                    if text:
                        yield ChatChunk(text=text)
                    if choice.finish_reason:
                        finished = True
                        yield ChatChunk(finish_reason=choice.finish_reason)
                if usage is not None and usage.prompt_tokens is not None:
                    yield ChatChunk(usage=Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0))
        except Exception as error:
            raise map_error(error, self.name, streaming=started) from error
        finally:
            await stream.close()
        if not finished:
            # The server closed the body without a finish_reason: the reply was cut off.
            raise DroppedStream(self.name)

    def warm_up(self) -> None:
        import anyio._backends._asyncio  # noqa: F401  (the HTTP stack imports it on the first request)
        from openai.types.chat import ChatCompletionChunk  # noqa: F401  (imported lazily by the SDK)

        _ = self._client.chat.completions  # the resource modules load on first access
