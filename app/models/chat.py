"""Chat sessions and their messages. Full-text search lives in the FTS5 table ``chat_messages_fts``
(made by migration 0003_chat, kept in step by triggers; ``FTS_DDL`` makes the same for a new database)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DDL, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class MessageStatus:
    COMPLETE = "complete"
    STREAMING = "streaming"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class ChatSession(Base):
    __tablename__ = "chat_sessions"
    # Ids are never reused, so a view can key caches by message id even after deletions.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="New chat")
    provider: Mapped[str] = mapped_column(String(40), default="openai")
    model: Mapped[str] = mapped_column(String(200), default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    temperature: Mapped[float | None] = mapped_column(Float, nullable=True)
    top_p: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    frequency_penalty: Mapped[float | None] = mapped_column(Float, nullable=True)
    presence_penalty: Mapped[float | None] = mapped_column(Float, nullable=True)
    failover_provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    failover_model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Deleting sets this (so it can be undone); sessions deleted in an earlier run are purged at start.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    messages: Mapped[list[ChatMessage]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ChatMessage.id",
    )


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.COMPLETE, index=True)
    provider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tokens_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tokens_out: Mapped[int | None] = mapped_column(Integer, nullable=True)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # e.g. "answered by the failover model"
    # What the model thought before answering (reasoning_content, <think>, thinking blocks): shown apart,
    # never sent back as history. Added by migration 0006_chat10_reasoning.
    reasoning: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The provider's own word for why the reply ended: "stop", "length", "max_tokens", "content_filter"…
    finish_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    session: Mapped[ChatSession] = relationship(back_populates="messages")


# Migration 0003_chat's statements, word for word: a new database is made from the models in one step
# (``create_fresh``, modal_app/store/schema.py) and must equal the migrated one (tests/foundation).
FTS_DDL = (
    "CREATE VIRTUAL TABLE chat_messages_fts USING fts5("
    "content, content='chat_messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER chat_messages_fts_insert AFTER INSERT ON chat_messages BEGIN "
    "INSERT INTO chat_messages_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER chat_messages_fts_delete AFTER DELETE ON chat_messages BEGIN "
    "INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER chat_messages_fts_update AFTER UPDATE OF content ON chat_messages BEGIN "
    "INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO chat_messages_fts(rowid, content) VALUES (new.id, new.content); END",
)
for _statement in FTS_DDL:  # alembic's op.create_table builds its own Table: these fire for create_all only
    event.listen(ChatMessage.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
