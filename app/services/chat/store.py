"""Synchronous database work of the chat (run it off the UI thread). Returns plain snapshots, not ORM rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.models.chat import ChatMessage, ChatSession, MessageStatus, utcnow

SESSION_FIELDS = (
    "title",
    "provider",
    "model",
    "system_prompt",
    "temperature",
    "top_p",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
    "failover_provider",
    "failover_model",
)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    title: str
    provider: str
    model: str
    system_prompt: str
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    failover_provider: str | None
    failover_model: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ChatSession) -> SessionInfo:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class MessageInfo:
    id: int
    session_id: int
    role: str
    content: str
    status: str
    provider: str | None
    model: str | None
    tokens_in: int | None
    tokens_out: int | None
    estimated: bool
    cost: float | None
    error: str | None
    note: str | None
    created_at: datetime
    reasoning: str | None = None
    finish_reason: str | None = None

    @classmethod
    def of(cls, row: ChatMessage) -> MessageInfo:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SearchHit:
    session_id: int
    session_title: str
    message_id: int
    snippet: str


@dataclass(frozen=True)
class UsageRow:
    day: str
    provider: str
    model: str
    messages: int
    tokens_in: int
    tokens_out: int
    cost: float


def fts_query(raw: str) -> str:
    """Words of ``raw`` as an FTS5 query: every word must appear (as a prefix); no FTS syntax leaks in."""
    words = re.findall(r"\w+", raw, flags=re.UNICODE)
    return " ".join(f'"{word}"*' for word in words)


class ChatStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # sessions ------------------------------------------------------------------------------------------
    def create_session(self, **fields: Any) -> SessionInfo:
        with self._sessions.begin() as db:
            row = ChatSession(**{key: value for key, value in fields.items() if key in SESSION_FIELDS})
            row.system_prompt = row.system_prompt or ""
            db.add(row)
            db.flush()
            return SessionInfo.of(row)

    def list_sessions(self) -> list[SessionInfo]:
        with self._sessions() as db:
            rows = db.scalars(
                select(ChatSession).where(ChatSession.deleted_at.is_(None)).order_by(ChatSession.updated_at.desc())
            )
            return [SessionInfo.of(row) for row in rows]

    # paged session list (issue 20) -------------------------------------------------------------------
    def session_page(self, after: SessionInfo | None = None, limit: int = 200) -> list[SessionInfo]:
        """Up to ``limit`` live sessions, newest change first (``updated_at``, then id, both descending),
        that come after ``after`` in that order (``None``: from the start). Keyset paging: each page costs
        the same however many sessions there are (it walks ``ix_chat_sessions_updated_at``)."""
        query = select(ChatSession).where(ChatSession.deleted_at.is_(None))
        if after is not None:
            query = query.where(
                or_(
                    ChatSession.updated_at < after.updated_at,
                    and_(ChatSession.updated_at == after.updated_at, ChatSession.id < after.id),
                )
            )
        query = query.order_by(ChatSession.updated_at.desc(), ChatSession.id.desc()).limit(max(1, limit))
        with self._sessions() as db:
            return [SessionInfo.of(row) for row in db.scalars(query)]

    def session_count(self) -> int:
        """How many live (not deleted) sessions there are."""
        with self._sessions() as db:
            return int(db.scalar(select(func.count(ChatSession.id)).where(ChatSession.deleted_at.is_(None))) or 0)

    def session(self, session_id: int) -> SessionInfo:
        with self._sessions() as db:
            row = db.get(ChatSession, session_id)
            if row is None:
                raise KeyError(session_id)
            return SessionInfo.of(row)

    def update_session(self, session_id: int, **fields: Any) -> SessionInfo:
        unknown = set(fields) - set(SESSION_FIELDS)
        if unknown:
            raise ValueError(f"unknown session fields {sorted(unknown)}")
        with self._sessions.begin() as db:
            row = db.get(ChatSession, session_id)
            if row is None:
                raise KeyError(session_id)
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            db.flush()
            return SessionInfo.of(row)

    def delete_session(self, session_id: int) -> None:
        """Hides the session; ``restore_session`` undoes it, ``purge_deleted`` removes it for good."""
        with self._sessions.begin() as db:
            db.execute(update(ChatSession).where(ChatSession.id == session_id).values(deleted_at=utcnow()))

    def restore_session(self, session_id: int) -> None:
        with self._sessions.begin() as db:
            db.execute(update(ChatSession).where(ChatSession.id == session_id).values(deleted_at=None))

    def purge_deleted(self) -> int:
        with self._sessions.begin() as db:
            ids = list(db.scalars(select(ChatSession.id).where(ChatSession.deleted_at.is_not(None))))
            if ids:
                db.execute(delete(ChatMessage).where(ChatMessage.session_id.in_(ids)))
                db.execute(delete(ChatSession).where(ChatSession.id.in_(ids)))
            return len(ids)

    # messages ------------------------------------------------------------------------------------------
    def messages(self, session_id: int) -> list[MessageInfo]:
        with self._sessions() as db:
            rows = db.scalars(select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.id))
            return [MessageInfo.of(row) for row in rows]

    def message(self, message_id: int) -> MessageInfo:
        with self._sessions() as db:
            row = db.get(ChatMessage, message_id)
            if row is None:
                raise KeyError(message_id)
            return MessageInfo.of(row)

    def add_message(self, session_id: int, role: str, content: str, **fields: Any) -> MessageInfo:
        with self._sessions.begin() as db:
            row = ChatMessage(session_id=session_id, role=role, content=content, estimated=False, **fields)
            db.add(row)
            db.execute(update(ChatSession).where(ChatSession.id == session_id).values(updated_at=utcnow()))
            db.flush()
            return MessageInfo.of(row)

    def add_messages(self, session_id: int, items: list[dict[str, Any]]) -> None:
        """Many messages in one transaction (imports, benchmarks)."""
        with self._sessions.begin() as db:
            for item in items:
                db.add(ChatMessage(session_id=session_id, estimated=item.pop("estimated", False), **item))

    def write_content(self, message_id: int, content: str, reasoning: str | None = None) -> None:
        """The growing text (and reasoning) of a streamed reply; called every few hundred milliseconds."""
        values: dict[str, Any] = {"content": content}
        if reasoning:
            values["reasoning"] = reasoning
        with self._sessions.begin() as db:
            db.execute(update(ChatMessage).where(ChatMessage.id == message_id).values(**values))

    def update_message(self, message_id: int, **fields: Any) -> MessageInfo:
        with self._sessions.begin() as db:
            row = db.get(ChatMessage, message_id)
            if row is None:
                raise KeyError(message_id)
            for key, value in fields.items():
                setattr(row, key, value)
            db.flush()
            return MessageInfo.of(row)

    def delete_from(self, session_id: int, message_id: int) -> None:
        """Removes ``message_id`` and every later message of the session."""
        with self._sessions.begin() as db:
            db.execute(delete(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.id >= message_id))

    def clear(self, session_id: int) -> None:
        with self._sessions.begin() as db:
            db.execute(delete(ChatMessage).where(ChatMessage.session_id == session_id))

    def unfinished_ids(self) -> list[int]:
        """Replies still marked "streaming" (before ``mark_unfinished_interrupted`` turns them)."""
        with self._sessions() as db:
            return list(db.scalars(select(ChatMessage.id).where(ChatMessage.status == MessageStatus.STREAMING)))

    def mark_unfinished_interrupted(self) -> int:
        """Replies still "streaming" from a run that ended (crash, kill) become "interrupted"."""
        with self._sessions.begin() as db:
            result = db.execute(
                update(ChatMessage)
                .where(ChatMessage.status == MessageStatus.STREAMING)
                .values(status=MessageStatus.INTERRUPTED, note="The app stopped before this reply finished.")
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # search and usage ------------------------------------------------------------------------------------
    def search(self, raw: str, limit: int = 50) -> list[SearchHit]:
        query = fts_query(raw)
        if not query:
            return []
        statement = text(
            "SELECT m.session_id, s.title, m.id, "
            "snippet(chat_messages_fts, 0, '[', ']', '…', 12) "
            "FROM chat_messages_fts JOIN chat_messages m ON m.id = chat_messages_fts.rowid "
            "JOIN chat_sessions s ON s.id = m.session_id "
            "WHERE chat_messages_fts MATCH :query AND s.deleted_at IS NULL "
            "ORDER BY rank LIMIT :limit"
        )
        with self._sessions() as db:
            rows = db.execute(statement, {"query": query, "limit": limit})
            return [SearchHit(int(r[0]), str(r[1]), int(r[2]), str(r[3])) for r in rows]

    def totals(self, session_id: int) -> tuple[int, int, float, bool]:
        """Tokens in, tokens out, cost, and whether any count was estimated, for one session."""
        with self._sessions() as db:
            row = db.execute(
                select(
                    func.coalesce(func.sum(ChatMessage.tokens_in), 0),
                    func.coalesce(func.sum(ChatMessage.tokens_out), 0),
                    func.coalesce(func.sum(ChatMessage.cost), 0.0),
                    func.coalesce(func.max(ChatMessage.estimated), False),
                ).where(ChatMessage.session_id == session_id)
            ).one()
            return int(row[0] or 0), int(row[1] or 0), float(row[2] or 0.0), bool(row[3])

    def usage_summary(self, days: int = 30) -> list[UsageRow]:
        since = utcnow() - timedelta(days=days)
        day = func.strftime("%Y-%m-%d", ChatMessage.created_at)
        with self._sessions() as db:
            rows = db.execute(
                select(
                    day,
                    ChatMessage.provider,
                    ChatMessage.model,
                    func.count(ChatMessage.id),
                    func.coalesce(func.sum(ChatMessage.tokens_in), 0),
                    func.coalesce(func.sum(ChatMessage.tokens_out), 0),
                    func.coalesce(func.sum(ChatMessage.cost), 0.0),
                )
                .where(
                    ChatMessage.role == "assistant",
                    ChatMessage.created_at >= since,
                    ChatMessage.provider.is_not(None),
                )
                .group_by(day, ChatMessage.provider, ChatMessage.model)
                .order_by(day.desc(), ChatMessage.provider, ChatMessage.model)
            )
            return [
                UsageRow(str(r[0]), str(r[1]), str(r[2] or ""), int(r[3]), int(r[4]), int(r[5]), float(r[6]))
                for r in rows
            ]
