"""What a person can do after a reply failed because the conversation overflowed the model's context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.models.chat import MessageStatus
from app.services.chat.overflow import trimmed
from app.services.chat.replies import ReplyRun
from app.services.chat.store import MessageInfo

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
