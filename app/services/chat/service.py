"""The chat service: sessions and messages in the database, replies streamed into them as they grow.

Qt-free apart from QtCore signals. Every streamed reply is written to the database every
``flush_interval`` seconds and at the end, so a crash loses at most that much; replies still marked
"streaming" when the service opens are turned into "interrupted" (offered Continue / Regenerate).
Text reaches the view in batches, at most one ``message_delta`` per ``frame_interval`` per reply.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session, sessionmaker

from app.models.chat import MessageStatus
from app.services.chat import exporting, importing, recovery
from app.services.chat.pricing import NoPrices, PriceLookup
from app.services.chat.reasoning import split_think
from app.services.chat.replies import ReplyRun
from app.services.chat.store import ChatStore, MessageInfo, SearchHit, SessionInfo, UsageRow
from app.services.chat.tokens import TokenEstimator
from app.services.heap import quiet_load
from app.services.providers.base import (
    ChatProvider,
    ProviderError,
    Turn,
)
from app.tasks import TaskRunner, Workers

log = logging.getLogger(__name__)

ProviderFactory = Callable[[str], ChatProvider]

REPLY_TASK_PREFIX = "chat-reply-"


def reply_task(session_id: int) -> str:
    """The task name of a session's reply: one at a time per session, a new one replaces the old."""
    return f"{REPLY_TASK_PREFIX}{session_id}"


CONTINUE_PROMPT = "Continue your previous answer exactly where it stopped. Do not repeat anything."


class ChatService(QObject):
    sessions_changed = Signal()
    session_saved = Signal(object)  # SessionInfo created, renamed, restored or imported (list it in place)
    session_removed = Signal(int)  # session id deleted (unlist it)
    session_changed = Signal(int)  # parameters, title or totals of one session changed
    messages_reset = Signal(int)  # a session's messages changed wholesale (clear, edit, regenerate, import)
    message_added = Signal(object)  # MessageInfo
    message_delta = Signal(int, str)  # message id, text appended since the previous delta
    reasoning_delta = Signal(int, str)  # message id, reasoning appended since the previous delta
    reply_phase = Signal(int, str)  # message id, what a silent reply waits for ("Loading the model…"; "": none)
    message_updated = Signal(object)  # MessageInfo after a status, usage or content change
    waiting = Signal(int, int)  # message id, seconds left before a retry after a rate limit (0: done)
    streaming_changed = Signal(int, bool)  # session id, whether a reply is streaming

    def __init__(
        self,
        sessions: sessionmaker[Session],
        provider_factory: ProviderFactory,
        *,
        tasks: TaskRunner,
        workers: Workers,
        prices: PriceLookup | None = None,
        estimator: TokenEstimator | None = None,
        flush_interval: float = 0.25,
        frame_interval: float = 0.016,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = ChatStore(sessions)
        self.provider_factory = provider_factory
        self.prices: PriceLookup = prices or NoPrices()
        self.estimator = estimator or TokenEstimator()
        self.flush_interval = flush_interval
        self.frame_interval = frame_interval
        self.tasks = tasks
        # The one database thread keeps writes in order and off the UI thread.
        self.workers = workers
        self._opened = False
        self._warm: set[str] = set()

    # plumbing ------------------------------------------------------------------------------------------
    def is_streaming(self, session_id: int) -> bool:
        return self.tasks.running(reply_task(session_id))

    def stop(self, session_id: int) -> None:
        """Cancels the session's reply; it ends "interrupted" with the text received so far."""
        self.tasks.cancel(reply_task(session_id))

    def shutdown(self) -> None:
        """Stops every reply (each is saved as interrupted while the loop still runs). Safe to call twice."""
        self.tasks.cancel_prefix(REPLY_TASK_PREFIX)

    async def warm_up(self, provider_id: str) -> None:
        """Builds the provider's client on the database thread, so the first message does not stall the UI."""
        if provider_id in self._warm:
            return

        def build() -> bool:
            # The provider SDK's first import makes tens of thousands of objects that live as long as the app:
            # without a quiet load they set off full collections (GIL held) while a reply may be streaming.
            with quiet_load(f"the {provider_id} client was built"), contextlib.suppress(ProviderError):
                self.provider_factory(provider_id).warm_up()  # ProviderError: no key yet, nothing to prepare
                return True
            return False

        if await self.workers.db(build):
            self._warm.add(provider_id)

    def is_warm(self, provider_id: str) -> bool:
        return provider_id in self._warm

    # sessions ------------------------------------------------------------------------------------------
    async def open(self) -> int:
        """Start-of-run housekeeping: unfinished replies become interrupted, deleted sessions are purged."""
        unfinished = await self.workers.db(self.store.unfinished_ids)
        interrupted = await self.workers.db(self.store.mark_unfinished_interrupted)
        await self.workers.db(recovery.count_restored, self.store, self.estimator, self.prices, unfinished)
        await self.workers.db(self.store.purge_deleted)
        self._opened = True
        return interrupted

    async def list_sessions(self) -> list[SessionInfo]:
        return await self.workers.db(self.store.list_sessions)

    async def session_page(self, after: SessionInfo | None = None, limit: int = 200) -> list[SessionInfo]:
        """One page of the session list after ``after`` (see ``ChatStore.session_page``)."""
        return await self.workers.db(self.store.session_page, after, limit)

    async def session(self, session_id: int) -> SessionInfo:
        return await self.workers.db(self.store.session, session_id)

    async def create_session(self, **fields: Any) -> SessionInfo:
        info = await self.workers.db(self.store.create_session, **fields)
        self.session_saved.emit(info)
        self.sessions_changed.emit()
        return info

    async def update_session(self, session_id: int, **fields: Any) -> SessionInfo:
        info = await self.workers.db(self.store.update_session, session_id, **fields)
        self.session_changed.emit(session_id)
        if "title" in fields:
            self.session_saved.emit(info)
            self.sessions_changed.emit()
        return info

    async def rename(self, session_id: int, title: str) -> SessionInfo:
        title = " ".join(title.split())[:200]
        if not title:
            raise ValueError("A chat needs a name.")
        return await self.update_session(session_id, title=title)

    async def delete_session(self, session_id: int) -> None:
        self.stop(session_id)
        await self.workers.db(self.store.delete_session, session_id)
        self.session_removed.emit(session_id)
        self.sessions_changed.emit()

    async def restore_session(self, session_id: int) -> None:
        await self.workers.db(self.store.restore_session, session_id)
        self.session_saved.emit(await self.workers.db(self.store.session, session_id))
        self.sessions_changed.emit()

    async def messages(self, session_id: int) -> list[MessageInfo]:
        return await self.workers.db(self.store.messages, session_id)

    async def clear(self, session_id: int) -> None:
        self.stop(session_id)
        await self.workers.db(self.store.clear, session_id)
        self.messages_reset.emit(session_id)
        self.session_changed.emit(session_id)

    async def search(self, text: str) -> list[SearchHit]:
        return await self.workers.db(self.store.search, text)

    async def totals(self, session_id: int) -> tuple[int, int, float, bool]:
        return await self.workers.db(self.store.totals, session_id)

    async def usage_summary(self, days: int = 30) -> list[UsageRow]:
        return await self.workers.db(self.store.usage_summary, days)

    # export / import -----------------------------------------------------------------------------------
    async def export(self, session_id: int, path: Path) -> Path:
        """Writes Markdown for a ``.md`` path, JSON otherwise; the file name is sanitized."""
        session, messages = await self.workers.db(
            lambda: (self.store.session(session_id), self.store.messages(session_id))
        )
        suffix = ".md" if path.suffix.lower() in (".md", ".markdown") else ".json"
        target = path.with_name(exporting.safe_filename(path.stem or session.title, suffix))
        body = exporting.to_markdown(session, messages) if suffix == ".md" else exporting.to_json(session, messages)
        await self.workers.db(target.write_text, body, encoding="utf-8")
        return target

    async def import_json(self, path: Path) -> SessionInfo:
        fields, rows = await self.workers.db(importing.load_export, path)  # validated; raises ImportFailed

        def write() -> SessionInfo:
            info = self.store.create_session(**fields)
            self.store.add_messages(info.id, rows)
            return info

        info = await self.workers.db(write)
        self.session_saved.emit(info)
        self.sessions_changed.emit()
        return info

    # replies -------------------------------------------------------------------------------------------
    async def send(self, session_id: int, text: str) -> MessageInfo:
        text = text.strip()
        if not text:
            raise ValueError("Type a message first.")
        session = await self.workers.db(self.store.session, session_id)
        if session.title == "New chat":
            session = await self.update_session(session_id, title=_title_from(text))
        user = await self.workers.db(self.store.add_message, session_id, "user", text)
        self.message_added.emit(user)
        return await self._reply(session)

    async def regenerate(self, session_id: int) -> MessageInfo:
        """Replaces the last reply (and anything after the last question) with a new one."""
        session = await self.workers.db(self.store.session, session_id)
        messages = await self.workers.db(self.store.messages, session_id)
        last_user = next((m for m in reversed(messages) if m.role == "user"), None)
        if last_user is None:
            raise ValueError("There is nothing to regenerate yet.")
        following = [m for m in messages if m.id > last_user.id]
        if following:
            await self.workers.db(self.store.delete_from, session_id, following[0].id)
            self.messages_reset.emit(session_id)
        return await self._reply(session)

    async def edit_and_resend(self, message_id: int, text: str) -> MessageInfo:
        """Changes an earlier question; every later message is replaced by a new reply."""
        text = text.strip()
        if not text:
            raise ValueError("The edited message is empty.")
        original = await self.workers.db(self.store.message, message_id)
        if original.role != "user":
            raise ValueError("Only your own messages can be edited.")
        session = await self.workers.db(self.store.session, original.session_id)
        await self.workers.db(self.store.delete_from, original.session_id, message_id)
        await self.workers.db(self.store.add_message, original.session_id, "user", text)
        self.messages_reset.emit(original.session_id)
        return await self._reply(session)

    async def continue_reply(self, message_id: int) -> MessageInfo:
        """Asks the model to carry on an interrupted reply; the new text is appended to it."""
        message = await self.workers.db(self.store.message, message_id)
        session = await self.workers.db(self.store.session, message.session_id)
        history = [m for m in await self.workers.db(self.store.messages, message.session_id) if m.id <= message_id]
        turns = [*_turns(history), Turn("user", CONTINUE_PROMPT)]
        message = await self.workers.db(
            self.store.update_message, message_id, status=MessageStatus.STREAMING, error=None
        )
        self.message_updated.emit(message)
        return await ReplyRun(self, session, message, turns).run()

    async def _reply(self, session: SessionInfo) -> MessageInfo:
        history = await self.workers.db(self.store.messages, session.id)
        placeholder = await self.workers.db(
            self.store.add_message,
            session.id,
            "assistant",
            "",
            status=MessageStatus.STREAMING,
            provider=session.provider,
            model=session.model,
        )
        self.message_added.emit(placeholder)
        return await ReplyRun(self, session, placeholder, _turns(history)).run()


def _turns(history: list[MessageInfo]) -> list[Turn]:
    """The conversation as sent to a provider: questions and the replies that have text."""
    turns: list[Turn] = []
    for message in history:
        if message.role == "user":
            turns.append(Turn("user", message.content))
        elif message.role == "assistant":
            answer = split_think(message.content)[0]  # reasoning is never sent back
            if answer.strip():
                turns.append(Turn("assistant", answer))
    return turns


def _title_from(text: str) -> str:
    first_line = " ".join(text.split())
    return first_line if len(first_line) <= 48 else first_line[:47].rstrip() + "…"
