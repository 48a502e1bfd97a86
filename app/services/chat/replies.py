"""One streamed reply from start to its final state: retries after rate limits, failover, usage and cost.

How a reply ended is stored as its ``finish_reason`` and said in words on the message: the token limit
("length", Anthropic's "max_tokens") leaves it *interrupted* with Continue; a content filter or a refusal
gets a note; a stream that drops before its first word is asked once more without streaming to learn
whether the conversation overflowed the model's context. A request that got no response at all (a dead
pooled connection) is retried once at once. Reasoning is kept in the ``reasoning`` column.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from contextlib import aclosing
from typing import TYPE_CHECKING

from app.models.chat import MessageStatus
from app.services.chat import overflow
from app.services.chat.pricing import cost_of
from app.services.chat.store import MessageInfo, SessionInfo
from app.services.chat.streaming import ReplyWriter
from app.services.providers.base import (
    ChatProvider,
    ChatRequest,
    ConnectionFailed,
    ContextOverflow,
    DroppedStream,
    ProviderError,
    RateLimited,
    SamplingParams,
    ServerError,
    Turn,
    Usage,
)

if TYPE_CHECKING:
    from app.services.chat.reply_host import ReplyHost

log = logging.getLogger(__name__)

MAX_RATE_LIMIT_RETRIES = 3
MAX_WAIT_S = 120
FAILOVER_ERRORS = (ServerError, RateLimited, ConnectionFailed)
LOADING_NOTICE_S = 2.0  # a local server silent this long is most likely loading the model
LENGTH_REASONS = frozenset({"length", "max_tokens", "model_length"})
FILTER_REASONS = frozenset({"content_filter", "safety", "recitation", "blocklist", "prohibited_content"})
REFUSAL_REASONS = frozenset({"refusal"})


def finish_note(reason: str | None, *, answered: bool, reasoned: bool) -> str | None:
    """The sentence a reply's finish reason deserves on the message, or None for a normal end."""
    if reason in LENGTH_REASONS:
        if reasoned and not answered:
            return "Stopped at the token limit while thinking, before any answer. Continue, or raise Max tokens."
        return "Stopped at the token limit. Continue to get the rest."
    if reason in FILTER_REASONS:
        return "The provider's content filter stopped this reply."
    if reason in REFUSAL_REASONS:
        return "The model declined to answer this request."
    return None


class ReplyRun:
    """Streams into ``message``; on a server error or rate limit before any text arrived, the session's
    failover model answers instead (and the message notes it); without one, a rate limit is waited out
    with a countdown and retried. Cancelling leaves the partial reply "interrupted"."""

    def __init__(self, service: ReplyHost, session: SessionInfo, message: MessageInfo, turns: list[Turn]):
        self.service = service
        self.session = session
        self.message = message
        self.turns = turns
        self.writer = ReplyWriter(service, message.id, message.content, message.reasoning or "")
        self.attempts: list[tuple[str, str]] = [(session.provider, session.model)]
        if session.failover_model:
            self.attempts.append((session.failover_provider or session.provider, session.failover_model))
        self.used = self.attempts[0]
        self.note: str | None = None
        self.finish_reason: str | None = None

    async def run(self) -> MessageInfo:
        service, session_id = self.service, self.session.id
        service.streaming_changed.emit(session_id, True)
        try:
            usage = await self._stream_with_failover()
            final = await self._finish(usage, MessageStatus.COMPLETE)
        except asyncio.CancelledError:
            self.note = "Stopped before the reply was finished."
            try:
                await self._finish(None, MessageStatus.INTERRUPTED)
            finally:
                service.streaming_changed.emit(session_id, False)
                service.session_changed.emit(session_id)  # the totals now count the stopped reply
            raise
        except ProviderError as error:
            if isinstance(error, ContextOverflow):
                self.finish_reason = overflow.CONTEXT_OVERFLOW
            final = await self._finish(None, MessageStatus.ERROR, error=error.message)
        except Exception:  # a bug or an unexpected library error: shown on the message, not a crash
            log.exception("chat reply failed unexpectedly")
            final = await self._finish(
                None, MessageStatus.ERROR, error="Something went wrong in Amethyst; the details are in the log."
            )
        service.streaming_changed.emit(session_id, False)
        service.session_changed.emit(session_id)
        return final

    async def _stream_with_failover(self) -> Usage | None:
        for index, (provider_id, model) in enumerate(self.attempts):
            self.used = (provider_id, model)
            has_next = index + 1 < len(self.attempts)
            try:
                return await self._attempt(provider_id, model, may_failover=has_next)
            except FAILOVER_ERRORS as error:
                if not has_next or self.writer.received:
                    raise
                backup = "/".join(self.attempts[index + 1])
                self.note = f"{provider_id}/{model} failed ({error.message}) — answered by {backup}."
                log.info("chat failover: %s", self.note)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _request(self, model: str) -> ChatRequest:
        session = self.session
        params = SamplingParams(
            temperature=session.temperature,
            top_p=session.top_p,
            max_tokens=session.max_tokens,
            frequency_penalty=session.frequency_penalty,
            presence_penalty=session.presence_penalty,
        )
        return ChatRequest(model=model, turns=self.turns, system_prompt=session.system_prompt, params=params)

    async def _check_size(self, provider_id: str, model: str, request: ChatRequest) -> None:
        """Raises ``ContextOverflow`` before anything is sent when the prompt's estimate is over the route's
        context window in the catalog (an unknown window checks nothing)."""
        service = self.service
        window = await service.workers.db(overflow.context_window, service.prices, provider_id, model)
        if window is None:
            return
        prompt = "\n".join([request.system_prompt, *(turn.content for turn in request.turns)])
        estimated = await service.workers.db(service.estimator.count, prompt)
        if estimated > window:
            raise overflow.too_long(provider_id, model, estimated, window)

    async def _attempt(self, provider_id: str, model: str, *, may_failover: bool) -> Usage | None:
        request = self._request(model)
        await self._check_size(provider_id, model, request)
        rate_limited = 0
        retried_unanswered = False
        while True:
            # Built (or found) on the database thread: the factory reads the key from the keyring, which may
            # block on a locked keyring or a D-Bus round trip. The provider is owned by the factory, reused.
            provider = await self.service.workers.db(self.service.provider_factory, provider_id)
            try:
                return await self._stream(provider, request)
            except RateLimited as error:
                if may_failover or self.writer.received or rate_limited >= MAX_RATE_LIMIT_RETRIES:
                    raise
                rate_limited += 1
                wait = error.retry_after if error.retry_after is not None else 2.0**rate_limited
                await self._count_down(min(MAX_WAIT_S, wait))
            except ConnectionFailed as error:
                # No response at all, typically a pooled connection the server closed: one retry, at once.
                if error.kind != "no-response" or retried_unanswered or self.writer.received:
                    raise
                retried_unanswered = True
                log.info("%s gave no response; retrying once", provider.name)
            except DroppedStream as error:
                if self.writer.received:
                    raise
                explained = await overflow.explain_drop(provider, request)
                raise (explained or error) from error

    async def _stream(self, provider: ChatProvider, request: ChatRequest) -> Usage | None:
        usage: Usage | None = None
        writer, message_id = self.writer, self.writer.message_id
        loading: asyncio.TimerHandle | None = None
        if provider.local and not writer.received:
            notice = "Loading the model… (a local server may take minutes the first time)"
            loading = asyncio.get_running_loop().call_later(
                LOADING_NOTICE_S, self.service.reply_phase.emit, message_id, notice
            )
        try:
            async with aclosing(provider.stream(request)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    if loading is not None:
                        loading.cancel()
                        loading = None
                        self.service.reply_phase.emit(message_id, "")
                    if chunk.reasoning:
                        writer.add_reasoning(chunk.reasoning)
                    if chunk.text:
                        writer.add(chunk.text)
                        if writer.rewritten:  # an orphan </think>: the text shown so far was thinking
                            writer.rewritten = False
                            self._show_whole()
                    if chunk.finish_reason:
                        self.finish_reason = chunk.finish_reason
                    if chunk.usage is not None:
                        usage = chunk.usage
        finally:
            if loading is not None:
                loading.cancel()
                self.service.reply_phase.emit(message_id, "")
        return usage

    def _show_whole(self) -> None:
        """Hands the view the reply's whole text and reasoning (streamed deltas can only append)."""
        shown = dataclasses.replace(
            self.message,
            content=self.writer.text,
            reasoning=self.writer.reasoning or None,
            status=MessageStatus.STREAMING,
        )
        self.service.message_updated.emit(shown)

    async def _count_down(self, seconds: float) -> None:
        """Waits ``seconds``, telling the view how many are left once per second."""
        deadline = time.monotonic() + seconds
        message_id = self.writer.message_id
        try:
            while (left := deadline - time.monotonic()) > 0:
                self.service.waiting.emit(message_id, math.ceil(left))
                await asyncio.sleep(min(1.0, left))
        finally:
            self.service.waiting.emit(message_id, 0)

    async def _finish(self, usage: Usage | None, status: str, *, error: str | None = None) -> MessageInfo:
        service = self.service
        content = await self.writer.close()
        reasoning = self.writer.reasoning
        said = finish_note(self.finish_reason, answered=bool(content.strip()), reasoned=bool(reasoning))
        if said is not None and status == MessageStatus.COMPLETE:
            self.note = f"{self.note} {said}" if self.note else said
            if self.finish_reason in LENGTH_REASONS:
                status = MessageStatus.INTERRUPTED  # offered Continue
        provider_id, model = self.used
        tokens_in: int | None
        tokens_out: int | None
        cost: float | None = None
        if usage is not None:
            tokens_in, tokens_out, estimated = usage.input_tokens, usage.output_tokens, False
        elif status == MessageStatus.ERROR and not self.writer.received:
            # Refused before a word came back (401, 429, a server error): nothing was used, nothing billed.
            tokens_in, tokens_out, estimated = None, None, False
        else:
            prompt = "\n".join([self.session.system_prompt, *(turn.content for turn in self.turns)])
            tokens_in = await service.workers.db(service.estimator.count, prompt)
            tokens_out = await service.workers.db(service.estimator.count, content + reasoning)
            estimated = True
        if tokens_in is not None and tokens_out is not None:
            # Off the UI thread: the first price lookup may load the catalog.
            cost = await service.workers.db(cost_of, service.prices, provider_id, model, tokens_in, tokens_out)
        final = await service.workers.db(
            service.store.update_message,
            self.writer.message_id,
            content=content,
            status=status,
            provider=provider_id,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            estimated=estimated,
            cost=cost,
            error=error,
            note=self.note,
            reasoning=reasoning or None,
            finish_reason=self.finish_reason,
        )
        service.message_updated.emit(final)
        return final
