"""What a person can do after a reply failed because the conversation overflowed the model's context:
send it again without the oldest turns, or start a new chat seeded with a summary of this one."""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING

from app.models.chat import MessageStatus
from app.services.chat.overflow import context_window, trimmed
from app.services.chat.reasoning import ThinkSplitter
from app.services.chat.replies import ReplyRun
from app.services.chat.store import SESSION_FIELDS, MessageInfo, SessionInfo
from app.services.providers.base import ChatRequest, ProviderError, SamplingParams, Turn

if TYPE_CHECKING:
    from app.services.chat.service import ChatService


async def retry_without_oldest(service: ChatService, session_id: int, keep_fraction: float = 0.5) -> MessageInfo:
    """Replaces the last reply with a new one that is sent only the newer ``keep_fraction`` of the
    conversation (the stored messages all stay; only what is sent is shorter)."""
    from app.services.chat.service import _turns

    session = await service.workers.db(service.store.session, session_id)
    messages = await service.workers.db(service.store.messages, session_id)
    last_user = next((m for m in reversed(messages) if m.role == "user"), None)
    if last_user is None:
        raise ValueError("There is nothing to retry yet.")
    following = [m for m in messages if m.id > last_user.id]
    if following:
        await service.workers.db(service.store.delete_from, session_id, following[0].id)
        service.messages_reset.emit(session_id)
    history = [m for m in messages if m.id <= last_user.id]
    placeholder = await service.workers.db(
        service.store.add_message,
        session_id,
        "assistant",
        "",
        status=MessageStatus.STREAMING,
        provider=session.provider,
        model=session.model,
        note="Sent without the oldest turns of this chat.",
    )
    service.message_added.emit(placeholder)
    run = ReplyRun(service, session, placeholder, trimmed(_turns(history), keep_fraction))
    run.note = placeholder.note
    return await run.run()


SUMMARY_PROMPT = (
    "Summarise the conversation below so that it can be continued in a new chat. Keep every fact, decision, "
    "name, number, piece of code and open question that a continuation needs; leave out small talk. Write "
    "the summary only, in the conversation's language.\n\n"
)
SUMMARY_MAX_TOKENS = 1_024
UNKNOWN_WINDOW = 8_192  # tokens assumed when the catalog does not know the route's context window
CHARS_PER_TOKEN = 3  # a cautious guess for cutting text to a token budget without counting


def _transcript(turns: list[Turn], budget_chars: int) -> str:
    """The conversation as text, newest turns first kept: as many as fit ``budget_chars``, a long turn
    shortened to its head and tail."""
    kept: list[str] = []
    left = budget_chars
    per_turn = max(2_000, budget_chars // 4)
    for turn in reversed(turns):
        content = turn.content
        if len(content) > per_turn:
            half = per_turn // 2
            content = f"{content[:half]}\n[…]\n{content[-half:]}"
        block = f"{'Person' if turn.role == 'user' else 'Assistant'}: {content}"
        if len(block) > left and kept:
            break
        kept.append(block)
        left -= len(block)
    return "\n\n".join(reversed(kept))


async def summarise(service: ChatService, session_id: int) -> str:
    """A summary of the chat written by the chat's own model (its newest turns, as many as half its context
    window holds). Raises ``ProviderError`` with a message for the person when the model cannot answer."""
    from app.services.chat.service import _turns

    session = await service.workers.db(service.store.session, session_id)
    messages = await service.workers.db(service.store.messages, session_id)
    turns = _turns([m for m in messages if m.status != MessageStatus.ERROR])
    if not turns:
        raise ValueError("There is nothing to summarise in this chat yet.")
    window = await service.workers.db(context_window, service.prices, session.provider, session.model)
    budget = (window or UNKNOWN_WINDOW) // 2 * CHARS_PER_TOKEN
    request = ChatRequest(
        model=session.model,
        turns=[Turn("user", SUMMARY_PROMPT + _transcript(turns, budget))],
        params=SamplingParams(temperature=0.2, max_tokens=SUMMARY_MAX_TOKENS),
    )
    provider = await service.workers.db(service.provider_factory, session.provider)
    splitter = ThinkSplitter()  # a reasoning model's thinking is not part of the summary
    parts: list[str] = []
    async with aclosing(provider.stream(request)) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            if chunk.text:
                parts.append(splitter.feed(chunk.text).answer)
    parts.append(splitter.flush().answer)
    summary = "".join(parts).strip()
    if not summary:
        raise ProviderError(f"{session.provider}/{session.model} sent an empty summary.")
    return summary


async def new_chat_with_summary(service: ChatService, session_id: int) -> SessionInfo:
    """A new chat with the same model and parameters whose system prompt carries a summary of this one
    (made by ``summarise``); the old chat stays as it was."""
    session = await service.workers.db(service.store.session, session_id)
    summary = await summarise(service, session_id)
    seed = f"Summary of an earlier conversation (“{session.title}”) that this chat continues:\n\n{summary}"
    system_prompt = f"{session.system_prompt}\n\n{seed}" if session.system_prompt.strip() else seed
    fields = {
        name: getattr(session, name)
        for name in SESSION_FIELDS
        if name not in ("title", "system_prompt") and getattr(session, name) is not None
    }
    return await service.create_session(**fields, title=f"{session.title} (continued)", system_prompt=system_prompt)
